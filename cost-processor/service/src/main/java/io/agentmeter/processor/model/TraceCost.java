package io.agentmeter.processor.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A trace's rollup as stored, with its spans. */
public record TraceCost(
    String traceId,
    String currency,
    boolean complete,
    BigDecimal total,
    Map<String, BigDecimal> byAgent,
    Map<String, BigDecimal> byModel,
    Map<String, BigDecimal> byClient,
    BigDecimal sharedTotal,
    BigDecimal retryTotal,
    int unpricedSpans,
    List<SpanRow> spans) {

  /** The total to show: {@code null} when it is unknown (see {@link CostRow#known}). */
  public @Nullable BigDecimal knownTotal() {
    return CostRow.known(total, unpricedSpans);
  }
}
