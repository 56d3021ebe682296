package io.agentmeter.cost.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class CostBreakdownTest {

  @Test
  void theTotalHasTheValueAndScaleOfAddingEveryBucket() {
    CostBreakdown mostlyZero = new CostBreakdown(new BigDecimal("0.0030"), BigDecimal.ZERO,
        BigDecimal.ZERO, new BigDecimal("0.012"), BigDecimal.ZERO, BigDecimal.ZERO);
    CostBreakdown negativeScale = new CostBreakdown(BigDecimal.ZERO, BigDecimal.ZERO,
        BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, new BigDecimal("1E+1"));
    CostBreakdown scaledZero = new CostBreakdown(new BigDecimal("0.000"), BigDecimal.ZERO,
        BigDecimal.ZERO, new BigDecimal("2"), BigDecimal.ZERO, BigDecimal.ZERO);

    assertThat(mostlyZero.total()).isEqualTo(new BigDecimal("0.0150"));
    assertThat(negativeScale.total()).isEqualTo(new BigDecimal("10"));
    assertThat(scaledZero.total()).isEqualTo(new BigDecimal("2.000"));
  }

  @Test
  void addingAZeroKeepsTheWiderScale() {
    BigDecimal price = new BigDecimal("0.25");

    assertThat(CostBreakdown.plus(price, BigDecimal.ZERO)).isSameAs(price);
    assertThat(CostBreakdown.plus(BigDecimal.ZERO, price)).isSameAs(price);
    assertThat(CostBreakdown.plus(new BigDecimal("1E+1"), BigDecimal.ZERO))
        .isEqualTo(new BigDecimal("10"));
    assertThat(CostBreakdown.plus(BigDecimal.ZERO, new BigDecimal("1E+1")))
        .isEqualTo(new BigDecimal("10"));
    assertThat(CostBreakdown.plus(new BigDecimal("0.0000"), price))
        .isEqualTo(new BigDecimal("0.2500"));
  }
}
