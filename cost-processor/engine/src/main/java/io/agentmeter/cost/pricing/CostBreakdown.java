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
    return input.add(cacheRead).add(cacheWrite).add(output).add(reasoning).add(fees);
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
