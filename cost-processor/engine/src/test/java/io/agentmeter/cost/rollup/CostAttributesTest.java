package io.agentmeter.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostAttributesTest {

  private final RollupResult result = rollup();

  private static RollupResult rollup() {
    TraceRollup rollup = CostEngine.builder().setCatalog(TestSpans.catalog()).build().newRollup();
    TraceRollupTest.researchTrace().forEach(rollup::add);
    return rollup.result();
  }

  @Test
  void pricedSpanCarriesAmountCurrencyReferenceAndBreakdown() {
    Map<String, Object> attributes = CostAttributes.forSpan(result.span("r-sdk"));

    assertThat(attributes)
        .containsExactly(
            entry("agentmeter.cost.status", "priced"),
            entry("agentmeter.cost.amount", 0.035),
            entry("agentmeter.cost.currency", "USD"),
            entry("agentmeter.cost.price_ref", "openai/gpt-4o@2024-10-01"),
            entry("agentmeter.cost.input", 0.025),
            entry("agentmeter.cost.cache_read", 0.0),
            entry("agentmeter.cost.cache_write", 0.0),
            entry("agentmeter.cost.output", 0.01),
            entry("agentmeter.cost.reasoning", 0.0),
            entry("agentmeter.cost.fees", 0.0));
  }

  @Test
  void otherStatusesCarryTheirReasonAndNoAmount() {
    assertThat(CostAttributes.forSpan(result.span("v-llm")))
        .containsExactly(
            entry("agentmeter.cost.status", "unpriced"),
            entry("agentmeter.cost.reason", "model 'acme-reviewer-1' is not in the price catalogue"));
    assertThat(CostAttributes.forSpan(result.span("planner")))
        .containsOnlyKeys("agentmeter.cost.status", "agentmeter.cost.reason")
        .containsEntry("agentmeter.cost.status", "aggregate");
    assertThat(CostAttributes.forSpan(result.span("root"))).isEmpty();
  }

  @Test
  void aRootWhoseTraceHasOnlyUnpricedCostsCarriesNoAmount() {
    TraceRollup rollup = CostEngine.builder().setCatalog(TestSpans.catalog()).build().newRollup();
    rollup.add(TestSpans.span("root").build());
    rollup.add(TestSpans.chat("llm", "acme-llm", 1_000, 100).parent("root")
        .attr("gen_ai.agent.name", "writer").build());

    assertThat(CostAttributes.forRoot(rollup.result()))
        .containsExactly(
            entry("agentmeter.trace.agents", List.of()),
            entry("agentmeter.trace.unpriced_spans", 1L));
  }

  @Test
  void rootCarriesTraceTotalsAndThePerAgentSplit() {
    assertThat(CostAttributes.forRoot(result))
        .containsExactly(
            entry("agentmeter.trace.cost.amount", 0.06192),
            entry("agentmeter.trace.cost.currency", "USD"),
            entry("agentmeter.trace.agents", List.of("researcher", "writer", "planner")),
            entry("agentmeter.trace.unpriced_spans", 1L),
            entry("agentmeter.trace.cost.agent.researcher", 0.037),
            entry("agentmeter.trace.cost.agent.writer", 0.0245),
            entry("agentmeter.trace.cost.agent.planner", 0.00042));
  }
}
