package io.agentmeter.processor.model;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * One group of a cost query.
 *
 * @param key the group's value (an agent name, a day, a trace id...)
 * @param cost the exact sum of the group's priced cost (0 when nothing in it was priced: see
 *     {@link #knownCost})
 * @param spans billable spans in the group, priced or not
 * @param unpricedSpans of which unpriced
 * @param inputTokens the group's input tokens
 * @param outputTokens the group's output tokens
 */
public record CostRow(
    String key, BigDecimal cost, long spans, long unpricedSpans, long inputTokens, long outputTokens) {

  /** The cost to show: {@code null} when it is unknown (see {@link #known}). */
  public @Nullable BigDecimal knownCost() {
    return known(cost, unpricedSpans);
  }

  /**
   * A priced sum as it may be shown: {@code null} when there are unpriced spans and nothing priced
   * adds to it, so an unknown cost is never shown as zero; else the sum (beside which the count of
   * unpriced spans says what it leaves out).
   */
  public static @Nullable BigDecimal known(BigDecimal pricedSum, long unpricedSpans) {
    return unpricedSpans > 0 && pricedSum.signum() == 0 ? null : pricedSum;
  }
}
