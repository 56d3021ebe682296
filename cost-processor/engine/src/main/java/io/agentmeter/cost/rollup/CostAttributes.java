package io.agentmeter.cost.rollup;

import io.agentmeter.cost.pricing.CostBreakdown;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.SpanCost;
import io.agentmeter.semconv.AgentMeterAttributes;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code agentmeter.cost.*} and {@code agentmeter.trace.*} attributes a rollup writes onto the
 * spans it forwards, as the semconv contract defines them. Amounts are exact until here and become
 * doubles only in these attribute values.
 */
public final class CostAttributes {

  private CostAttributes() {}

  /**
   * The cost attributes of one span: status and reason always; for a priced span the amount,
   * currency, price reference and breakdown in the currency it was priced in. Non-LLM spans ({@code
   * not_billable} with no LLM operation) get none.
   */
  public static Map<String, Object> forSpan(SpanOutcome outcome) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    if (outcome.status() == CostStatus.NOT_BILLABLE && outcome.price() != null
        && "not an LLM call".equals(outcome.reason())) {
      return attributes;
    }
    attributes.put(AgentMeterAttributes.COST_STATUS.getKey(), outcome.status().value());
    if (outcome.reason() != null) {
      attributes.put(AgentMeterAttributes.COST_REASON.getKey(), outcome.reason());
    }
    SpanCost price = outcome.price();
    if (outcome.status() == CostStatus.PRICED && price != null && price.amount() != null) {
      attributes.put(AgentMeterAttributes.COST_AMOUNT.getKey(), price.amount().doubleValue());
      attributes.put(AgentMeterAttributes.COST_CURRENCY.getKey(), price.currency());
      attributes.put(AgentMeterAttributes.COST_PRICE_REF.getKey(), price.priceRef());
      CostBreakdown b = price.breakdown();
      if (b != null) {
        attributes.put(AgentMeterAttributes.COST_INPUT.getKey(), b.input().doubleValue());
        attributes.put(AgentMeterAttributes.COST_CACHE_READ.getKey(), b.cacheRead().doubleValue());
        attributes.put(AgentMeterAttributes.COST_CACHE_WRITE.getKey(), b.cacheWrite().doubleValue());
        attributes.put(AgentMeterAttributes.COST_OUTPUT.getKey(), b.output().doubleValue());
        attributes.put(AgentMeterAttributes.COST_REASONING.getKey(), b.reasoning().doubleValue());
        attributes.put(AgentMeterAttributes.COST_FEES.getKey(), b.fees().doubleValue());
      }
    }
    return attributes;
  }

  /**
   * The trace totals for the root span of a one-trace rollup: amount, currency, agents (most
   * expensive first), unpriced count and one {@code agentmeter.trace.cost.agent.<name>} per agent.
   * A trace with unpriced spans and no priced cost gets no amount nor currency: its cost is
   * unknown, not zero.
   */
  public static Map<String, Object> forRoot(RollupResult result) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    if (result.total().signum() != 0 || result.unpricedSpans() == 0) {
      attributes.put(AgentMeterAttributes.TRACE_COST_AMOUNT.getKey(), result.total().doubleValue());
      attributes.put(AgentMeterAttributes.TRACE_COST_CURRENCY.getKey(), result.currency());
    }
    List<String> agents = new ArrayList<>(result.byAgent().keySet());
    attributes.put(AgentMeterAttributes.TRACE_AGENTS.getKey(), agents);
    attributes.put(AgentMeterAttributes.TRACE_UNPRICED_SPANS.getKey(), (long) result.unpricedSpans());
    for (Map.Entry<String, BigDecimal> agent : result.byAgent().entrySet()) {
      attributes.put(
          AgentMeterAttributes.traceCostForAgent(agent.getKey()).getKey(),
          agent.getValue().doubleValue());
    }
    return attributes;
  }
}
