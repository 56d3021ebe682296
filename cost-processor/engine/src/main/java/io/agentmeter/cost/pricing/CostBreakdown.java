package io.agentmeter.cost.pricing;

import java.math.BigDecimal;

/**
 * A span's cost by bucket, exact. {@code input} is uncached input of every modality, {@code
 * output} is output other than reasoning of every modality.
 */
public record CostBreakdown(
    BigDecimal input,
    BigDecimal cacheRead,
    BigDecimal cacheWrite,
    BigDecimal output,
    BigDecimal reasoning,
    BigDecimal fees) {

  /** Nothing in any bucket. */
  public static final CostBreakdown ZERO =
      new CostBreakdown(
          BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
          BigDecimal.ZERO);

  /** The sum of every bucket. */
  public BigDecimal total() {
    return plus(plus(plus(plus(plus(input, cacheRead), cacheWrite), output), reasoning), fees);
  }

  /**
   * {@code a.add(b)}, the same value and scale, without a new object when one side is a zero that
   * does not widen the other's scale (most buckets of most spans are zero).
   */
  static BigDecimal plus(BigDecimal a, BigDecimal b) {
    if (b.signum() == 0 && a.scale() >= b.scale()) {
      return a;
    }
    if (a.signum() == 0 && b.scale() >= a.scale()) {
      return b;
    }
    return a.add(b);
  }

  /** Every bucket multiplied by {@code factor} (an adjustment or an exchange rate). */
  public CostBreakdown multiply(BigDecimal factor) {
    return new CostBreakdown(
        input.multiply(factor),
        cacheRead.multiply(factor),
        cacheWrite.multiply(factor),
        output.multiply(factor),
        reasoning.multiply(factor),
        fees.multiply(factor));
  }
}
