package io.agentmeter.cost.rollup;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The cost of a set of spans (one trace, or every trace of a task) under the rollup rules. Every
 * amount is exact and in {@code currency}; the maps are ordered by amount, largest first.
 *
 * @param currency the reporting currency
 * @param total everything billed: priced spans, shared resources once each
 * @param byAgent the total split by agent, shared costs allocated by the rollup's rule
 * @param byModel the total by model
 * @param byClient the total by client
 * @param byTask the total by task
 * @param sharedTotal the part of the total that is shared-resource cost
 * @param retryTotal the part of the total spent on attempts of retried calls
 * @param unpricedSpans billable spans that could not be priced (counted, not priced at zero)
 * @param duplicateDeliveries deliveries of spans already counted
 * @param roots the root span of each trace, by trace id
 * @param spans every distinct span, by start time, then every duplicate delivery
 */
public record RollupResult(
    String currency,
    BigDecimal total,
    Map<String, BigDecimal> byAgent,
    Map<String, BigDecimal> byModel,
    Map<String, BigDecimal> byClient,
    Map<String, BigDecimal> byTask,
    BigDecimal sharedTotal,
    BigDecimal retryTotal,
    int unpricedSpans,
    int duplicateDeliveries,
    Map<String, String> roots,
    List<SpanOutcome> spans) {

  public RollupResult {
    byAgent = java.util.Collections.unmodifiableMap(byAgent);
    byModel = java.util.Collections.unmodifiableMap(byModel);
    byClient = java.util.Collections.unmodifiableMap(byClient);
    byTask = java.util.Collections.unmodifiableMap(byTask);
    roots = Map.copyOf(roots);
    spans = List.copyOf(spans);
  }

  /** The outcome of one span (its first delivery), or {@code null}. */
  public SpanOutcome span(String spanId) {
    for (SpanOutcome outcome : spans) {
      if (outcome.spanId().equals(spanId)
          && outcome.status() != io.agentmeter.cost.pricing.CostStatus.DUPLICATE) {
        return outcome;
      }
    }
    return null;
  }
}
