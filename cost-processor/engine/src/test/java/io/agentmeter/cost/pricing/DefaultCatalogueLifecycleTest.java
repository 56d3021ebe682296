package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.AliasPeriod;
import io.agentmeter.cost.catalog.ModelEntry;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.catalog.PriceResolution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bundled catalogue's renamed and retired models, priced by hand (docs/default-catalogue.md). */
class DefaultCatalogueLifecycleTest {

  private final CostEngine engine = CostEngine.create();

  @ParameterizedTest(name = "{0} at {1}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
      # 1,000,000 input of which 200,000 cache hits, 100,000 output; per million tokens.
      # V3.1, 2025-09-05 to 2025-09-29: 800,000 x 0.56 + 200,000 x 0.07 + 100,000 x 1.68
      deepseek-reasoner | 2025-09-10T00:00:00Z | 0.63    | deepseek/deepseek-reasoner@2025-09-05 |
      # V3.2 from 2025-09-29: 800,000 x 0.28 + 200,000 x 0.028 + 100,000 x 0.42
      deepseek-chat     | 2026-04-23T12:00:00Z | 0.2716  | deepseek/deepseek-chat@2025-09-29     |
      # from 2026-04-24 the non-thinking mode of deepseek-v4-flash, cache read 0.028 until 2026-04-26:
      # 800,000 x 0.14 + 200,000 x 0.028 + 100,000 x 0.28
      deepseek-chat     | 2026-04-24T12:00:00Z | 0.1456  | deepseek/deepseek-v4-flash@always     | deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      # and from 2026-04-26 cache read 0.0028: 0.112 + 0.00056 + 0.028
      deepseek-chat     | 2026-05-22T12:00:00Z | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      deepseek-reasoner | 2026-05-22T12:00:00Z | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-reasoner is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      # retired 2026-07-24: still the last price, and said so
      deepseek-chat     | 2026-12-01T12:00:00Z | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-chat retired 2026-07-24; priced at its last price; deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      """)
  void deepSeekNamesFollowTheProvidersRenameAndRetirement(
      String model, String start, String cost, String priceRef, String reason) {
    SpanCost priced =
        engine.price(
            chat("s1", model, 1_000_000, 100_000)
                .attr("gen_ai.provider.name", "deepseek")
                .attr("gen_ai.usage.cache_read.input_tokens", 200_000)
                .start(nanos(start))
                .build());

    assertThat(priced.status()).isEqualTo(CostStatus.PRICED);
    assertThat(priced.amount()).isEqualByComparingTo(cost);
    assertThat(priced.priceRef()).isEqualTo(priceRef);
    assertThat(priced.reason()).isEqualTo(reason);
  }

  @Test
  void sonnetFourFiveAfterItsRetirementIsPricedAtItsLastPriceWithAWarning() {
    // 10,000 x 3.00 + 1,000 x 15.00 per million
    SpanCost priced =
        engine.price(
            chat("s1", "claude-sonnet-4-5-20250929", 10_000, 1_000)
                .attr("gen_ai.provider.name", "anthropic")
                .start(nanos("2026-12-01T09:00:00Z"))
                .build());

    assertThat(priced.status()).isEqualTo(CostStatus.PRICED);
    assertThat(priced.amount()).isEqualByComparingTo("0.045");
    assertThat(priced.reason())
        .isEqualTo("anthropic/claude-sonnet-4-5 retired 2026-11-30; priced at its last price");
  }

  @Test
  void everyAliasAndRetirementHasASourceAndADateAndEveryTargetExists() {
    PriceCatalog defaults = PriceCatalog.defaults();
    int aliases = 0;
    int retired = 0;
    for (ModelEntry entry : defaults.layers().get(0).entries()) {
      for (AliasPeriod alias : entry.aliases()) {
        aliases++;
        assertThat(alias.source()).as(entry.id()).startsWith("https://");
        assertThat(alias.asOf()).as(entry.id()).isNotNull();
      }
      if (entry.retired() != null) {
        retired++;
        assertThat(entry.retired().source()).as(entry.id()).startsWith("https://");
        assertThat(entry.retired().asOf()).as(entry.id()).isNotNull();
      }
    }
    assertThat(aliases).isEqualTo(2);
    assertThat(retired).isEqualTo(3);
    assertThat(PriceResolution.unresolvedAliases(defaults)).isEmpty();
  }
}
