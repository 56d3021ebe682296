package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a priced span's price rests on: a pattern match, a retirement, the figures' as-of date. */
class PriceBasisTest {

  private final CostEngine engine = CostEngine.builder().setCatalog(PriceCatalog.of(List.of(
      CatalogLoader.parse("""
          {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
            {"id": "test/a", "provider": "test", "match": {"names": ["a"], "regex": "a-\\\\d+"},
             "prices": [{"input": "1", "output": "2", "source": "s", "as_of": "2026-02-01"}]},
            {"id": "test/gone", "provider": "test", "match": {"names": ["gone"]},
             "prices": [{"input": "1", "output": "2", "source": "s"}],
             "retired": {"from": "2026-01-01", "source": "s", "as_of": "2025-12-01"}}]}
          """, "basis", null).layer()))).build();

  private SpanCost call(String model, String start) {
    return engine.price(chat("s1", model, 1_000, 100).start(nanos(start)).build());
  }

  @Test
  void anExactNameIsNotAPatternMatchAndCarriesItsFiguresAsOfDate() {
    assertThat(call("a", "2026-03-01T00:00:00Z").basis())
        .isEqualTo(new PriceBasis(false, null, LocalDate.parse("2026-02-01")));
  }

  @Test
  void aNameOnlyTheRegexMatchesIsAPatternMatch() {
    SpanCost priced = call("a-7", "2026-03-01T00:00:00Z");
    assertThat(priced.entryId()).isEqualTo("test/a");
    assertThat(priced.basis()).isEqualTo(new PriceBasis(true, null, LocalDate.parse("2026-02-01")));
  }

  @Test
  void aSpanAfterRetirementCarriesTheRetirementDayAndAnUndatedPeriodNoAsOf() {
    assertThat(call("gone", "2025-12-31T23:59:59Z").basis()).isEqualTo(new PriceBasis(false, null, null));
    assertThat(call("gone", "2026-01-01T00:00:00Z").basis())
        .isEqualTo(new PriceBasis(false, LocalDate.parse("2026-01-01"), null));
  }

  @Test
  void onlyPricedSpansHaveABasis() {
    assertThat(call("unknown", "2026-03-01T00:00:00Z").basis()).isNull();
  }
}
