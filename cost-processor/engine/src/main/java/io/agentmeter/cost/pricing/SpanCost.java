package io.agentmeter.cost.pricing;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * The cost of one span on its own, before the rollup's rules (aggregates, shared resources,
 * duplicates) decide what is billed.
 *
 * @param status {@link CostStatus#PRICED}, {@link CostStatus#UNPRICED} or {@link
 *     CostStatus#NOT_BILLABLE}
 * @param amount the exact cost in {@code currency}, or {@code null} unless priced
 * @param currency the ISO 4217 currency of the price used, or {@code null} unless priced
 * @param breakdown the cost by bucket, or {@code null} unless priced
 * @param priceRef the catalogue entry and period used, {@code id@yyyy-mm-dd}, plus the tier
 * @param entryId the catalogue entry id, or {@code null} unless priced
 * @param reason why the span is not priced, or notes on how it was priced; {@code null} if none
 * @param basis what the price rests on (a pattern match, a retirement, the figures' as-of date), or
 *     {@code null} unless priced
 */
public record SpanCost(
    CostStatus status,
    @Nullable BigDecimal amount,
    @Nullable String currency,
    @Nullable CostBreakdown breakdown,
    @Nullable String priceRef,
    @Nullable String entryId,
    @Nullable String reason,
    @Nullable PriceBasis basis) {

  /** A span cost without a {@link PriceBasis} (as before it was recorded). */
  public SpanCost(CostStatus status, @Nullable BigDecimal amount, @Nullable String currency,
      @Nullable CostBreakdown breakdown, @Nullable String priceRef, @Nullable String entryId,
      @Nullable String reason) {
    this(status, amount, currency, breakdown, priceRef, entryId, reason, null);
  }

  static SpanCost unpriced(String reason) {
    return new SpanCost(CostStatus.UNPRICED, null, null, null, null, null, reason);
  }

  static SpanCost notBillable(String reason) {
    return new SpanCost(CostStatus.NOT_BILLABLE, null, null, null, null, null, reason);
  }

  /** Whether the span has a price. */
  public boolean isPriced() {
    return status == CostStatus.PRICED;
  }
}
