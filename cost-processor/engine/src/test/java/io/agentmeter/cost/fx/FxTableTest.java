package io.agentmeter.cost.fx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class FxTableTest {

  private final FxTable fx =
      FxTable.parseCsv(
          "date,from,to,rate\n"
              + "# monthly reference rates\n"
              + "2026-01-01,USD,GBP,0.80\n"
              + "2026-06-01,USD,GBP,0.75\n"
              + "2026-01-01,EUR,USD,1.25\n");

  @Test
  void usesTheLatestRateOnOrBeforeTheDay() {
    assertThat(fx.convert(new BigDecimal("10"), "USD", "GBP", LocalDate.parse("2026-05-31")))
        .isEqualByComparingTo("8.0");
    assertThat(fx.convert(new BigDecimal("10"), "USD", "GBP", LocalDate.parse("2026-06-01")))
        .isEqualByComparingTo("7.5");
  }

  @Test
  void convertsTheOtherWayByDivisionAndSameCurrencyUnchanged() {
    assertThat(fx.convert(new BigDecimal("10"), "USD", "EUR", LocalDate.parse("2026-02-01")))
        .isEqualByComparingTo("8");
    assertThat(fx.convert(new BigDecimal("3.14"), "USD", "USD", LocalDate.parse("2020-01-01")))
        .isEqualByComparingTo("3.14");
  }

  @Test
  void noRateYieldsNull() {
    assertThat(fx.convert(BigDecimal.ONE, "USD", "GBP", LocalDate.parse("2025-12-31"))).isNull();
    assertThat(fx.convert(BigDecimal.ONE, "USD", "JPY", LocalDate.parse("2026-12-31"))).isNull();
  }

  @Test
  void badLinesAreNamed() {
    assertThatThrownBy(() -> FxTable.parseCsv("2026-01-01,USD,GBP"))
        .hasMessage("line 1: expected date,from,to,rate but found 3 fields");
    assertThatThrownBy(() -> FxTable.parseCsv("2026-01-01,USD,GBP,-1"))
        .hasMessage("rate must be positive: -1");
    assertThatThrownBy(() -> FxTable.parseCsv("2026-01-01,DOLLAR,GBP,1"))
        .hasMessage("not an ISO 4217 currency code: DOLLAR");
  }
}
