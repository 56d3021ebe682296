package io.agentmeter.processor.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.SpanCategory;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Rollup;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The lines of a rollup with a shared resource. Bundled catalogue: text-embedding-3-small at 0.02
 * per million tokens, so a lookup of 500 tokens costs 0.00001, split EVEN 0.000005 a user.
 */
class CostLinesTest {

  private static final String TRACE = "5ba7ed18000000000000000000000001";
  /** 2026-01-15T00:00:00Z. */
  private static final long DAY = 1_768_435_200_000_000_000L;

  /**
   * The researcher's lookup is the earlier and billed: its row (span cost, tokens) is the
   * researcher's, the planner's share a further line; the planner's own lookup, a reuse, is its own
   * row. In whatever order the spans come.
   */
  @Test
  void theBilledSpansRowIsItsOwnAgentsAndTheOtherSharesFollow() {
    SpanRecord planner = lookup("00000000000000b1", "planner", DAY + 2_000);
    SpanRecord researcher = lookup("00000000000000b2", "researcher", DAY + 1_000);
    for (List<SpanRecord> arrival : List.of(List.of(planner, researcher), List.of(researcher, planner))) {
      TraceRollup rollup = CostEngine.create().newRollup();
      List<IncomingSpan> spans = new ArrayList<>();
      for (SpanRecord span : arrival) {
        rollup.add(span);
        spans.add(new IncomingSpan(span, "f-" + span.spanId(), new byte[0]));
      }

      CostLines lines = CostLines.of(new Rollup(TRACE, rollup.result(), spans, true), 0);

      assertThat(lines.lines()).extracting(l -> l.spanId() + " " + l.line() + " " + l.agent() + " "
          + l.status() + " " + plain(l.cost()) + " " + plain(l.spanCost()) + " " + l.inputTokens())
          .containsExactly(
              "00000000000000b2 0 researcher priced 0.000005 0.00001 500",
              "00000000000000b2 1 planner priced 0.000005 - 0",
              "00000000000000b1 0 planner shared_reuse - - 500");
    }
  }

  /** The outcome's own agent first whatever the order of its shares, then the others by name. */
  @Test
  void theSpansOwnAgentComesFirstAndTheOthersByName() {
    Map<String, BigDecimal> shares = new LinkedHashMap<>();
    shares.put("writer", new BigDecimal("0.001"));
    shares.put("reviewer", new BigDecimal("0.001"));
    shares.put("planner", new BigDecimal("0.002"));

    assertThat(CostLines.rowFirst(outcome("planner", shares))).containsExactly(
        entry("planner", new BigDecimal("0.002")), entry("reviewer", new BigDecimal("0.001")),
        entry("writer", new BigDecimal("0.001")));
    // an agent with no share still has the span's row, with no cost
    assertThat(CostLines.rowFirst(outcome("coder", shares))).containsExactly(
        entry("coder", null), entry("planner", new BigDecimal("0.002")),
        entry("reviewer", new BigDecimal("0.001")), entry("writer", new BigDecimal("0.001")));
    assertThat(CostLines.rowFirst(outcome("coder", Map.of()))).containsExactly(entry("coder", null));
  }

  private static SpanOutcome outcome(String agent, Map<String, BigDecimal> shares) {
    return new SpanOutcome(TRACE, "00000000000000c1", null, "embeddings", DAY,
        SpanCategory.EMBEDDING, agent, "task", "acme", "openai", "text-embedding-3-small",
        CostStatus.PRICED, null, new BigDecimal("0.004"), null, false, "vectors:q", 500, 0, shares);
  }

  private static SpanRecord lookup(String spanId, String agent, long start) {
    return new SpanRecord(TRACE, spanId, null, "embeddings text-embedding-3-small", start,
        start + 1_000_000, false, Map.of(
            "gen_ai.operation.name", "embeddings",
            "gen_ai.provider.name", "openai",
            "gen_ai.request.model", "text-embedding-3-small",
            "gen_ai.agent.name", agent,
            "gen_ai.usage.input_tokens", 500L,
            "agentmeter.shared.resource", "vectors:q=topic"), Map.of());
  }

  private static String plain(BigDecimal amount) {
    return amount == null ? "-" : amount.stripTrailingZeros().toPlainString();
  }
}
