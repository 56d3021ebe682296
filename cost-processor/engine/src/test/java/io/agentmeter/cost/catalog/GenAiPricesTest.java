package io.agentmeter.cost.catalog;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.nanos;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.pricing.SpanCost;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** genai-prices' data.json shape (genai-prices-sample.json), read and compared. */
class GenAiPricesTest {

  static CatalogLoad load() {
    try (InputStream in = GenAiPricesTest.class.getResourceAsStream("/genai-prices-sample.json")) {
      return CatalogLoader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8),
          "data.json", LocalDate.parse("2026-08-21"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void providersModelsTiersDatesAndWindowsAreRead() {
    CatalogLoad load = load();

    assertThat(load.format()).isEqualTo("genai-prices");
    assertThat(load.entriesRead()).isEqualTo(5);
    assertThat(load.layer().entries()).extracting(ModelEntry::id)
        .containsExactly("anthropic/claude-sonnet-4-5", "anthropic/claude-3-haiku", "openai/o3",
            "openai/gpt-4o", "deepseek/deepseek-chat");
    assertThat(load.issues()).extracting(LoadIssue::toString)
        .containsExactly("openai/gpt-4o: field ignored: not read: cache_audio_read_mtok");

    ModelEntry sonnet = load.layer().entry("anthropic/claude-sonnet-4-5");
    assertThat(sonnet.provider()).isEqualTo("anthropic");
    assertThat(sonnet.regex().matcher("claude-sonnet-4.5").matches()).isTrue();
    assertThat(sonnet.regex().matcher("claude-sonnet-4-5-20250929").matches()).isTrue();
    assertThat(sonnet.regex().matcher("my-claude-sonnet-4-5").matches()).isFalse();
    PricePeriod period = sonnet.periods().get(0);
    assertThat(period.base().cacheWrite5m()).isEqualByComparingTo("3.75E-6");
    assertThat(period.longContext()).hasSize(1);
    assertThat(period.longContext().get(0).aboveInputTokens()).isEqualTo(200_000);
    assertThat(period.longContext().get(0).prices().output()).isEqualByComparingTo("2.25E-5");
    assertThat(period.source())
        .isEqualTo("genai-prices data.json (https://www.anthropic.com/pricing#api)");
    assertThat(period.asOf()).isEqualTo(LocalDate.parse("2026-08-21"));

    ModelEntry o3 = load.layer().entry("openai/o3");
    assertThat(o3.names()).containsExactly("o3", "o3-2025-04-16");
    assertThat(o3.periods()).extracting(PricePeriod::label).containsExactly("always", "2025-06-10");
    assertThat(o3.periodAt(LocalDate.parse("2025-06-09")).base().input()).isEqualByComparingTo("1E-5");
    assertThat(o3.periodAt(LocalDate.parse("2025-06-10")).base().input()).isEqualByComparingTo("2E-6");
  }

  @Test
  void deepSeeksOffPeakBaseAndUtcWindowPriceByTheHour() {
    CostEngine engine =
        CostEngine.builder().setCatalog(PriceCatalog.of(List.of(load().layer()))).build();
    // 1,000,000 input (200,000 cached), 100,000 output.
    // 17:00 UTC, off-peak (the first price): 800,000 x 0.135 + 200,000 x 0.035 + 100,000 x 0.55
    SpanCost night = engine.price(chat("s", "deepseek-chat", 1_000_000, 100_000)
        .attr("gen_ai.usage.cache_read.input_tokens", 200_000)
        .start(nanos("2025-06-01T17:00:00Z")).build());
    // 10:00 UTC, in 00:30-16:30: 800,000 x 0.27 + 200,000 x 0.07 + 100,000 x 1.10
    SpanCost day = engine.price(chat("s", "deepseek-chat", 1_000_000, 100_000)
        .attr("gen_ai.usage.cache_read.input_tokens", 200_000)
        .start(nanos("2025-06-01T10:00:00Z")).build());

    assertThat(night.amount()).isEqualByComparingTo("0.17");
    assertThat(night.priceRef()).isEqualTo("deepseek/deepseek-chat@always");
    assertThat(day.amount()).isEqualByComparingTo("0.34");
    assertThat(day.priceRef()).isEqualTo("deepseek/deepseek-chat@always/utc_0030_1630");
  }

  @Test
  void diffAgainstTheBundledCatalogue() {
    CatalogDiff.Result result =
        CatalogDiff.compare(PriceCatalog.defaults(), load(), LocalDate.parse("2026-07-24"));

    // claude-3-haiku is no exact name of ours (we list the dated id); the other four are.
    assertThat(result.compared()).isEqualTo(4);
    assertThat(result.same()).isEqualTo(3);
    assertThat(result.notInCatalogue()).containsExactly("anthropic/claude-3-haiku");
    assertThat(result.differences()).singleElement().satisfies(d -> {
      assertThat(d.model()).isEqualTo("deepseek/deepseek-chat");
      assertThat(d.buckets()).extracting(b -> b.bucket() + " " + CatalogWriter.perMillion(b.ours())
              + " " + CatalogWriter.perMillion(b.theirs()))
          .containsExactly("input 0.14 0.135", "cache_read 0.0028 0.035", "output 0.28 0.55");
    });
  }
}
