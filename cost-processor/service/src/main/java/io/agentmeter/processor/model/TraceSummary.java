package io.agentmeter.processor.model;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** A trace in a most-expensive list. */
public record TraceSummary(
    String traceId,
    String rootName,
    long startNanos,
    BigDecimal total,
    String currency,
    int spans,
    int unpricedSpans,
    boolean complete) {

  /** The total to show: {@code null} when it is unknown (see {@link CostRow#known}). */
  public @Nullable BigDecimal knownTotal() {
    return CostRow.known(total, unpricedSpans);
  }
}
