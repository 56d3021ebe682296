package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.PriceCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Dated aliases, retirement and time-of-day windows (lifecycle-prices.json), every figure computed
 * by hand in the table.
 */
class LifecyclePricingTest {

  private final CostEngine engine =
      CostEngine.builder().setCatalog(PriceCatalog.of(List.of(LifecycleFixture.load().layer()))).build();

  /** 1,000,000 input tokens of which 200,000 read from the cache; 100,000 output. */
  private SpanCost deepSeekCall(String model, String start) {
    return engine.price(
        chat("s1", model, 1_000_000, 100_000)
            .attr("gen_ai.provider.name", "deepseek")
            .attr("gen_ai.usage.cache_read.input_tokens", 200_000)
            .start(nanos(start))
            .build());
  }

  @Test
  void theTestCatalogueLoadsWithoutIssues() {
    assertThat(LifecycleFixture.load().issues()).isEmpty();
  }

  @ParameterizedTest(name = "{0} at {1}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
      # model | span start | cost | price reference | reason
      # V3.2: 800,000 x 0.28 + 200,000 x 0.028 + 100,000 x 0.42 (per million) = 0.224 + 0.0056 + 0.042
      deepseek-chat     | 2026-03-01T12:00:00Z           | 0.2716  | deepseek/deepseek-chat@2025-09-29     |
      deepseek-chat     | 2026-04-23T23:59:59.999999999Z | 0.2716  | deepseek/deepseek-chat@2025-09-29     |
      # alias from 2026-04-24 (UTC day): v4-flash 800,000 x 0.14 + 200,000 x 0.028 + 100,000 x 0.28 = 0.112 + 0.0056 + 0.028
      deepseek-chat     | 2026-04-24T00:00:00Z           | 0.1456  | deepseek/deepseek-v4-flash@2026-04-24 | deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      # from 2026-04-26 the cache read is 0.0028: 0.112 + 0.00056 + 0.028
      deepseek-chat     | 2026-05-01T08:00:00Z           | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      deepseek-chat     | 2026-07-23T23:59:59Z           | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      # retired 2026-07-24: priced at its last price, that of 2026-07-23, and said so
      deepseek-chat     | 2026-07-24T00:00:00Z           | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-chat retired 2026-07-24; priced at its last price; deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      deepseek-chat     | 2027-01-15T09:00:00Z           | 0.14056 | deepseek/deepseek-v4-flash@2026-04-26 | deepseek/deepseek-chat retired 2026-07-24; priced at its last price; deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24
      # the target itself, by its own name
      deepseek-v4-flash | 2026-04-25T10:00:00Z           | 0.1456  | deepseek/deepseek-v4-flash@2026-04-24 |
      """)
  void aliasPeriodsAndRetirement(
      String model, String start, String cost, String priceRef, String reason) {
    SpanCost priced = deepSeekCall(model, start);

    assertThat(priced.status()).isEqualTo(CostStatus.PRICED);
    assertThat(priced.amount()).isEqualByComparingTo(cost);
    assertThat(priced.priceRef()).isEqualTo(priceRef);
    assertThat(priced.entryId()).isEqualTo(priceRef.substring(0, priceRef.indexOf('@')));
    assertThat(priced.reason()).isEqualTo(reason);
  }

  @ParameterizedTest(name = "sonnet at {0}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
      # 10,000 x 3.00 + 1,000 x 15.00 (per million) = 0.03 + 0.015
      2026-11-29T23:59:59Z | 0.045 |
      2026-11-30T00:00:00Z | 0.045 | anthropic/claude-sonnet-4-5 retired 2026-11-30; priced at its last price
      2027-03-01T00:00:00Z | 0.045 | anthropic/claude-sonnet-4-5 retired 2026-11-30; priced at its last price
      """)
  void aRetiredModelIsPricedAtItsLastPriceNeverZeroAndSaysSo(String start, String cost, String reason) {
    SpanCost priced =
        engine.price(chat("s1", "claude-sonnet-4-5", 10_000, 1_000).start(nanos(start)).build());

    assertThat(priced.status()).isEqualTo(CostStatus.PRICED);
    assertThat(priced.amount()).isEqualByComparingTo(cost);
    assertThat(priced.priceRef()).isEqualTo("anthropic/claude-sonnet-4-5@2025-09-29");
    assertThat(priced.reason()).isEqualTo(reason);
  }

  @Test
  void anAliasOfAModelNotInTheCatalogueIsUnpricedWithTheReason() {
    SpanCost before = engine.price(chat("s1", "renamed", 1_000_000, 0).start(nanos("2025-12-31T23:00:00Z")).build());
    SpanCost after = engine.price(chat("s1", "renamed", 1_000_000, 0).start(nanos("2026-01-01T00:00:00Z")).build());

    assertThat(before.amount()).isEqualByComparingTo("1.00");
    assertThat(after.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(after.reason())
        .isEqualTo("test/renamed is an alias of test/missing from 2026-01-01, which is not in the price catalogue");
  }

  @Test
  void aliasesThatLeadBackAreUnpricedNotFollowedForever() {
    SpanCost priced = engine.price(chat("s1", "loop-a", 1_000, 0).build());

    assertThat(priced.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(priced.reason())
        .isEqualTo("test/loop-b is an alias of test/loop-a, whose aliases lead back to it");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      textBlock = """
      # UTC 16:30-00:30 across midnight, 1,000,000 input (200,000 cached), 100,000 output.
      # base: 800,000 x 0.27 + 200,000 x 0.07 + 100,000 x 1.10 = 0.216 + 0.014 + 0.11
      # off-peak: 800,000 x 0.135 + 200,000 x 0.035 + 100,000 x 0.55 = 0.108 + 0.007 + 0.055
      utc-off-peak | 2025-06-01T16:29:59Z           | 0.34 | test/utc-off-peak@2025-02-26
      utc-off-peak | 2025-06-01T16:30:00Z           | 0.17 | test/utc-off-peak@2025-02-26/off_peak
      utc-off-peak | 2025-06-01T23:59:59Z           | 0.17 | test/utc-off-peak@2025-02-26/off_peak
      utc-off-peak | 2025-06-02T00:00:00Z           | 0.17 | test/utc-off-peak@2025-02-26/off_peak
      utc-off-peak | 2025-06-02T00:29:59.999999999Z | 0.17 | test/utc-off-peak@2025-02-26/off_peak
      utc-off-peak | 2025-06-02T00:30:00Z           | 0.34 | test/utc-off-peak@2025-02-26
      """)
  void aWindowAcrossMidnightInUtc(String model, String start, String cost, String priceRef) {
    SpanCost priced = deepSeekCall(model, start);

    assertThat(priced.amount()).isEqualByComparingTo(cost);
    assertThat(priced.priceRef()).isEqualTo(priceRef);
  }

  /** 1,000,000 input tokens, none cached; 100,000 output. */
  private SpanCost plainCall(String model, String start) {
    return engine.price(chat("s1", model, 1_000_000, 100_000).start(nanos(start)).build());
  }

  @ParameterizedTest(name = "{1} ({4})")
  @CsvSource(
      delimiter = '|',
      textBlock = """
      # Asia/Shanghai is UTC+8 all year. Peak Mon-Fri 09-12 and 14-18 local, not 2026-10-01.
      # off-peak: 1,000,000 x 1.00 + 100,000 x 4.00 = 1.00 + 0.40; peak: 1,000,000 x 2.00 + 100,000 x 8.00 = 2.00 + 0.80
      beijing-peak | 2026-10-14T00:59:59Z | 1.40 | test/beijing-peak@always      | Wed 08:59:59
      beijing-peak | 2026-10-14T01:00:00Z | 2.80 | test/beijing-peak@always/peak | Wed 09:00
      beijing-peak | 2026-10-14T03:59:59Z | 2.80 | test/beijing-peak@always/peak | Wed 11:59:59
      beijing-peak | 2026-10-14T04:00:00Z | 1.40 | test/beijing-peak@always      | Wed 12:00
      beijing-peak | 2026-10-14T06:00:00Z | 2.80 | test/beijing-peak@always/peak | Wed 14:00
      beijing-peak | 2026-10-14T10:00:00Z | 1.40 | test/beijing-peak@always      | Wed 18:00
      beijing-peak | 2026-10-17T02:00:00Z | 1.40 | test/beijing-peak@always      | Sat 10:00
      beijing-peak | 2026-10-01T02:00:00Z | 1.40 | test/beijing-peak@always      | Thu 10:00, a holiday
      beijing-peak | 2026-11-02T01:00:00Z | 2.80 | test/beijing-peak@always/peak | Mon 09:00, the day after New York left DST
      # Friday 22:00-02:00 local; what falls after midnight is still Friday's.
      # window: 1,000,000 x 0.50 + 100,000 x 1.00 = 0.60; base: 1.00 + 0.20 = 1.20
      friday-night | 2026-10-16T14:00:00Z | 0.60 | test/friday-night@always/friday_night | Fri 22:00
      friday-night | 2026-10-16T17:30:00Z | 0.60 | test/friday-night@always/friday_night | Sat 01:30
      friday-night | 2026-10-16T18:00:00Z | 1.20 | test/friday-night@always              | Sat 02:00
      friday-night | 2026-10-17T14:30:00Z | 1.20 | test/friday-night@always              | Sat 22:30
      friday-night | 2026-10-15T17:30:00Z | 1.20 | test/friday-night@always              | Fri 01:30, Thursday's night
      """)
  void windowsInAZoneWithoutDaylightSaving(
      String model, String start, String cost, String priceRef, String localTime) {
    SpanCost priced = plainCall(model, start);

    assertThat(priced.amount()).isEqualByComparingTo(cost);
    assertThat(priced.priceRef()).isEqualTo(priceRef);
  }

  @ParameterizedTest(name = "{0} ({3})")
  @CsvSource(
      delimiter = '|',
      textBlock = """
      # America/New_York 01:00-03:00 local. window: 1,000,000 x 0.50 + 100,000 x 1.00 = 0.60; base 1.00 + 0.20 = 1.20
      # winter, EST (UTC-5)
      2026-01-15T05:59:59Z | 1.20 | test/new-york-night@always       | 00:59:59 EST
      2026-01-15T06:00:00Z | 0.60 | test/new-york-night@always/night | 01:00 EST
      2026-01-15T08:00:00Z | 1.20 | test/new-york-night@always       | 03:00 EST
      # summer, EDT (UTC-4)
      2026-07-01T05:00:00Z | 0.60 | test/new-york-night@always/night | 01:00 EDT
      2026-07-01T07:00:00Z | 1.20 | test/new-york-night@always       | 03:00 EDT
      # 2026-03-08: clocks go from 02:00 EST to 03:00 EDT, so the window is open one real hour
      2026-03-08T05:59:59Z | 1.20 | test/new-york-night@always       | 00:59:59 EST
      2026-03-08T06:00:00Z | 0.60 | test/new-york-night@always/night | 01:00 EST
      2026-03-08T06:59:59Z | 0.60 | test/new-york-night@always/night | 01:59:59 EST
      2026-03-08T07:00:00Z | 1.20 | test/new-york-night@always       | 03:00 EDT
      # 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST, so the window is open three real hours
      2026-11-01T04:59:59Z | 1.20 | test/new-york-night@always       | 00:59:59 EDT
      2026-11-01T05:00:00Z | 0.60 | test/new-york-night@always/night | 01:00 EDT
      2026-11-01T06:00:00Z | 0.60 | test/new-york-night@always/night | 01:00 EST, the repeated hour
      2026-11-01T07:59:59Z | 0.60 | test/new-york-night@always/night | 02:59:59 EST
      2026-11-01T08:00:00Z | 1.20 | test/new-york-night@always       | 03:00 EST
      """)
  void windowsFollowTheProvidersClockAcrossDaylightSavingChanges(
      String start, String cost, String priceRef, String localTime) {
    SpanCost priced = plainCall("new-york-night", start);

    assertThat(priced.amount()).isEqualByComparingTo(cost);
    assertThat(priced.priceRef()).isEqualTo(priceRef);
  }

  @Test
  void aServiceTierAppliesOverTheWindowsPrices() {
    // Batch gives only an output price: night input 1,000,000 x 0.50 + output 100,000 x 0.20.
    SpanCost night =
        engine.price(chat("s1", "new-york-night", 1_000_000, 100_000)
            .attr("openai.response.service_tier", "batch")
            .start(nanos("2026-07-01T05:30:00Z")).build());
    // Day: 1,000,000 x 1.00 + 100,000 x 0.20.
    SpanCost day =
        engine.price(chat("s1", "new-york-night", 1_000_000, 100_000)
            .attr("openai.response.service_tier", "batch")
            .start(nanos("2026-07-01T15:00:00Z")).build());

    assertThat(night.amount()).isEqualByComparingTo("0.52");
    assertThat(night.priceRef()).isEqualTo("test/new-york-night@always/night/batch");
    assertThat(day.amount()).isEqualByComparingTo("1.02");
    assertThat(day.priceRef()).isEqualTo("test/new-york-night@always/batch");
  }
}
