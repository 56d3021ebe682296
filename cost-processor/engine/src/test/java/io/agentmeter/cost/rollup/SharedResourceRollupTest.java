package io.agentmeter.cost.rollup;

import static io.agentmeter.cost.TestSpans.agent;
import static io.agentmeter.cost.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.pricing.CostStatus;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which use of a shared resource is billed, the order of its shares, and what one rollup of
 * several traces does. The test catalogue prices a {@code vector_search} call at 0.004.
 */
class SharedResourceRollupTest {

  private static final String TRACE_B = "4bf92f3577b34da6a3ce929d0e0e47bb";

  private static long at(int second) {
    return TestSpans.NOV_2026 + second * 1_000_000_000L;
  }

  private static RollupResult rollup(List<SpanRecord> spans) {
    TraceRollup rollup = CostEngine.builder().setCatalog(TestSpans.catalog())
        .setAllocationRule(AllocationRule.EVEN).build().newRollup();
    spans.forEach(rollup::add);
    return rollup.result();
  }

  /** A span's shares in their order, as "agent amount". */
  private static List<String> shares(SpanOutcome span) {
    List<String> shares = new ArrayList<>();
    span.agentShares().forEach((agent, amount) ->
        shares.add(agent + " " + amount.stripTrailingZeros().toPlainString()));
    return shares;
  }

  /** A vector_search lookup of {@code resource} by {@code agent}, the span's own attribute. */
  private static TestSpans.Builder lookup(String spanId, String agent, String resource) {
    return span(spanId).name("execute_tool vector_search")
        .attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "vector_search")
        .attr("gen_ai.agent.name", agent).attr("agentmeter.shared.resource", resource);
  }

  /**
   * Twenty tasks, each with three agents looking the same thing up, z first, then m, then a: the
   * billed span's shares list z (its own agent, who gets the remainder: 0.004 / 3 rounded down at
   * 12 places is 0.001333333333, z 0.001333333334), then m, then a, in every JVM run (a Map.copyOf
   * of three entries iterates in an order salted per run).
   */
  @Test
  void theSharesOfTheBilledSpanListItsOwnAgentFirstThenTheOthersInOrderOfUse() {
    List<SpanRecord> spans = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String task = "task-" + i;
      spans.add(lookup("a-" + i, "a-" + i, "vectors:q").start(at(2)).attr("agentmeter.task.id", task).build());
      spans.add(lookup("m-" + i, "m-" + i, "vectors:q").start(at(1)).attr("agentmeter.task.id", task).build());
      spans.add(lookup("z-" + i, "z-" + i, "vectors:q").start(at(0)).attr("agentmeter.task.id", task).build());
    }

    RollupResult result = rollup(spans);

    for (int i = 0; i < 20; i++) {
      SpanOutcome billed = result.span("z-" + i);
      assertThat(billed.status()).isEqualTo(CostStatus.PRICED);
      assertThat(shares(billed)).containsExactly(
          "z-" + i + " 0.001333333334", "m-" + i + " 0.001333333333", "a-" + i + " 0.001333333333");
      assertThat(result.span("m-" + i).status()).isEqualTo(CostStatus.SHARED_REUSE);
    }
    assertThat(result.total()).isEqualByComparingTo("0.08");
  }

  @Test
  void aTieOnStartTimeBillsTheSmallerSpanIdWhateverTheArrival() {
    SpanRecord writer = lookup("0000000000000a01", "writer", "vectors:q").start(at(3)).build();
    SpanRecord researcher = lookup("0000000000000a02", "researcher", "vectors:q").start(at(3)).build();

    for (List<SpanRecord> arrival : List.of(List.of(writer, researcher), List.of(researcher, writer))) {
      RollupResult result = rollup(arrival);

      assertThat(result.span("0000000000000a01").status()).isEqualTo(CostStatus.PRICED);
      assertThat(shares(result.span("0000000000000a01")))
          .containsExactly("writer 0.002", "researcher 0.002");
      assertThat(result.span("0000000000000a02").status()).isEqualTo(CostStatus.SHARED_REUSE);
      assertThat(result.span("0000000000000a02").reason())
          .isEqualTo("shared resource 'vectors:q' is billed once per task, on span 0000000000000a01");
    }
  }

  /**
   * One rollup of two traces of task-9 bills their shared lookup once, on the earlier use (trace
   * B's, at 10:00:02); the service rolls each trace up on its own, and then each trace bills it.
   */
  @Test
  void oneRollupOfTwoTracesOfATaskBillsTheirSharedResourceOnceTwoRollupsTwice() {
    List<SpanRecord> a = List.of(
        span("root-a").start(at(0)).attr("agentmeter.task.id", "task-9").build(),
        agent("agent-a", "researcher").parent("root-a").start(at(4)).build(),
        lookup("vec-a", "researcher", "vectors:q").parent("agent-a").start(at(5)).build());
    List<SpanRecord> b = List.of(
        span("root-b").trace(TRACE_B).start(at(1)).attr("agentmeter.task.id", "task-9").build(),
        agent("agent-b", "writer").trace(TRACE_B).parent("root-b").start(at(1)).build(),
        lookup("vec-b", "writer", "vectors:q").trace(TRACE_B).parent("agent-b").start(at(2)).build());
    List<SpanRecord> both = new ArrayList<>(a);
    both.addAll(b);

    RollupResult together = rollup(both);

    assertThat(together.total()).isEqualByComparingTo("0.004");
    assertThat(together.sharedTotal()).isEqualByComparingTo("0.004");
    assertThat(together.byTask()).containsExactly(entry("task-9", new BigDecimal("0.004")));
    assertThat(together.byAgent()).containsOnly(
        entry("writer", new BigDecimal("0.002")), entry("researcher", new BigDecimal("0.002")));
    assertThat(together.span("vec-b").status()).isEqualTo(CostStatus.PRICED);
    assertThat(together.span("vec-a").status()).isEqualTo(CostStatus.SHARED_REUSE);
    assertThat(together.roots()).containsOnly(
        entry(TestSpans.TRACE, "root-a"), entry(TRACE_B, "root-b"));

    for (List<SpanRecord> trace : List.of(a, b)) {
      RollupResult alone = rollup(trace);
      assertThat(alone.total()).isEqualByComparingTo("0.004");
      assertThat(alone.sharedTotal()).isEqualByComparingTo("0.004");
      assertThat(alone.byTask()).containsExactly(entry("task-9", new BigDecimal("0.004")));
    }
  }

  /** Without a task id each trace is its own task, so one rollup of both bills the lookup twice. */
  @Test
  void tracesWithoutATaskAreEachTheirOwnTaskInOneRollup() {
    RollupResult result = rollup(List.of(
        lookup("vec-a", "researcher", "vectors:q").start(at(5)).build(),
        lookup("vec-b", "writer", "vectors:q").trace(TRACE_B).start(at(2)).build()));

    assertThat(result.total()).isEqualByComparingTo("0.008");
    assertThat(result.byTask()).containsOnly(
        entry(TestSpans.TRACE, new BigDecimal("0.004")), entry(TRACE_B, new BigDecimal("0.004")));
    assertThat(result.span("vec-a").status()).isEqualTo(CostStatus.PRICED);
    assertThat(result.span("vec-b").status()).isEqualTo(CostStatus.PRICED);
  }
}
