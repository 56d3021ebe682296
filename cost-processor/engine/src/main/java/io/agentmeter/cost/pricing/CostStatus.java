package io.agentmeter.cost.pricing;

import io.agentmeter.semconv.AgentMeterAttributes.CostStatusValues;

/** The cost status of a span, as written to {@code agentmeter.cost.status}. */
public enum CostStatus {
  PRICED(CostStatusValues.PRICED),
  UNPRICED(CostStatusValues.UNPRICED),
  AGGREGATE(CostStatusValues.AGGREGATE),
  DUPLICATE(CostStatusValues.DUPLICATE),
  SHARED_REUSE(CostStatusValues.SHARED_REUSE),
  NOT_BILLABLE(CostStatusValues.NOT_BILLABLE);

  private final String value;

  CostStatus(String value) {
    this.value = value;
  }

  /** The attribute value. */
  public String value() {
    return value;
  }
}
