package io.agentmeter.processor.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.processor.ledger.Ledger;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.IncomingSpan;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceAssemblerTest {

  private static final String TRACE = "5bf92f3577b34da6a3ce929d0e0e4736";
  /** 2026-11-01T10:00:00Z: gpt-4o at $2.50 per million input and $10 per million output tokens. */
  private static final long START = 1_793_527_200_000_000_000L;

  @TempDir Path dir;

  @Test
  void aSpanDeliveredTwiceWhileOpenIsCostedOnceAndOfTwoVersionsTheLaterEndingOneIsBilled()
      throws Exception {
    Metrics metrics = new Metrics();
    try (Ledger ledger = Ledger.open(dir.resolve("ledger.db").toString())) {
      TraceAssembler assembler = TraceAssembler.builder(CostEngine.create(), ledger, metrics)
          .setGrace(Duration.ofMinutes(1)).build();
      IncomingSpan root = span("00000000000000a0", null, 0, 0, 1, "root");
      IncomingSpan call = span("00000000000000a1", "00000000000000a0", 1_000, 100, 1, "call");
      IncomingSpan firstVersion = span("00000000000000a2", "00000000000000a0", 1_000, 100, 1, "v1");
      IncomingSpan laterVersion = span("00000000000000a2", "00000000000000a0", 2_000, 200, 2, "v2");

      assembler.accept(List.of(root, call, firstVersion, call, laterVersion, firstVersion));
      assembler.close();

      TraceCost trace = ledger.trace(TRACE).orElseThrow();
      // 1,000 in + 100 out = $0.0035; the later version: 2,000 in + 200 out = $0.007
      assertThat(trace.total()).isEqualByComparingTo("0.0105");
      assertThat(trace.spans()).extracting(SpanRow::spanId, SpanRow::status)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("00000000000000a0", "not_billable"),
              org.assertj.core.groups.Tuple.tuple("00000000000000a1", "priced"),
              org.assertj.core.groups.Tuple.tuple("00000000000000a2", "priced"),
              org.assertj.core.groups.Tuple.tuple("00000000000000a2", "duplicate"));
      assertThat(metrics.scrape())
          .contains("agentmeter_spans_duplicate_total 2.0\n")
          .contains("agentmeter_tokens_total{agent=\"unattributed\",client=\"unattributed\","
              + "kind=\"input\",model=\"gpt-4o\",provider=\"openai\"} 3000.0\n");
    }
  }

  private static IncomingSpan span(String spanId, String parent, long input, long output, long end,
      String fingerprint) {
    Map<String, Object> attributes = input == 0
        ? Map.of("http.request.method", "POST")
        : Map.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
            "gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", input,
            "gen_ai.usage.output_tokens", output);
    return new IncomingSpan(new SpanRecord(TRACE, spanId, parent, input == 0 ? "POST" : "chat",
        START, START + end, false, attributes, Map.of()), fingerprint, new byte[0]);
  }
}
