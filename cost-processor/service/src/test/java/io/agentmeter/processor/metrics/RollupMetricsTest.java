package io.agentmeter.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StoredRollup;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A trace rolled up again counts only what it adds to the rollup it replaced. */
class RollupMetricsTest {

  private static final String TRACE = "5bf92f3577b34da6a3ce929d0e0e4736";
  /** 2026-11-01T10:00:00Z: gpt-4o at $2.50 per million input and $10 per million output tokens. */
  private static final long START = 1_793_527_200_000_000_000L;
  private static final CostLabels LABELS =
      new CostLabels("unattributed", "gpt-4o", "openai", "unattributed", "USD");

  private final CostEngine engine = CostEngine.create();

  @Test
  void aTraceRolledUpAgainAddsOnlyWhatItsNewRollupAdds() {
    Metrics metrics = new Metrics();
    RollupMetrics listener = new RollupMetrics(metrics);
    IncomingSpan first = call("00000000000000a1", 1_000, 100); // $0.0025 + $0.001 = $0.0035
    IncomingSpan late = call("00000000000000a2", 2_000, 200); // $0.005 + $0.002 = $0.007
    RollupResult before = rollup(first);

    listener.stored(List.of(stored(before, null)));
    assertThat(metrics.costs().get(LABELS)).isEqualByComparingTo("0.0035");

    listener.stored(List.of(stored(rollup(first, late), before)));
    assertThat(metrics.costs().get(LABELS)).isEqualByComparingTo("0.0105");
    metrics.scrape(); // new series are shown at 0 first
    assertThat(metrics.scrape())
        .contains("agentmeter_tokens_total{agent=\"unattributed\",client=\"unattributed\","
            + "kind=\"input\",model=\"gpt-4o\",provider=\"openai\"} 3000.0\n")
        .contains("agentmeter_tokens_total{agent=\"unattributed\",client=\"unattributed\","
            + "kind=\"output\",model=\"gpt-4o\",provider=\"openai\"} 300.0\n")
        .contains("agentmeter_traces_closed_total 2.0\n");

    // the same spans again: nothing added
    listener.stored(List.of(stored(rollup(first, late), rollup(first, late))));
    assertThat(metrics.costs().get(LABELS)).isEqualByComparingTo(new BigDecimal("0.0105"));
    assertThat(metrics.reversedCosts().get(LABELS)).isEqualByComparingTo("0"); // the twin, at 0
  }

  @Test
  void whatARollupTakesBackFromALabelSetIsCountedAsReversed() {
    Metrics metrics = new Metrics();
    RollupMetrics listener = new RollupMetrics(metrics);
    IncomingSpan first = call("00000000000000a1", 1_000, 100); // $0.0035
    IncomingSpan second = call("00000000000000a2", 2_000, 200); // $0.007
    RollupResult both = rollup(first, second);
    listener.stored(List.of(stored(both, null)));

    // stored again with less for the label set (as a reprice at a lower price would)
    listener.stored(List.of(stored(rollup(first), both)));

    assertThat(metrics.costs().get(LABELS)).isEqualByComparingTo("0.0105");
    assertThat(metrics.reversedCosts().get(LABELS)).isEqualByComparingTo("0.007");
  }

  private StoredRollup stored(RollupResult result, RollupResult previous) {
    return new StoredRollup(new Rollup(TRACE, result, List.of(), true), previous, List.of());
  }

  private RollupResult rollup(IncomingSpan... spans) {
    TraceRollup rollup = engine.newRollup();
    for (IncomingSpan span : spans) {
      rollup.add(span.record());
    }
    return rollup.result();
  }

  private static IncomingSpan call(String spanId, long input, long output) {
    return new IncomingSpan(new SpanRecord(TRACE, spanId, "00000000000000a0", "chat", START,
        START + 1, false, Map.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
            "gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", input,
            "gen_ai.usage.output_tokens", output), Map.of()), spanId, new byte[0]);
  }
}
