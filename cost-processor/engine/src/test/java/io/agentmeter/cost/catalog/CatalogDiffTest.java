package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogDiffTest {

  static Path sharedData(String file) {
    Path path = Path.of(System.getProperty("agentmeter.shared.data", "../../../shared/data"), file);
    if (Boolean.getBoolean("agentmeter.require.shared.data")) {
      assertThat(path).exists();
    } else {
      assumeTrue(Files.exists(path), "shared data not beside the checkout: " + path);
    }
    return path;
  }

  private static CatalogDiff.Result diff(String file, String day) throws IOException {
    LocalDate date = LocalDate.parse(day);
    return CatalogDiff.compare(
        PriceCatalog.defaults(), CatalogLoader.load(sharedData(file), date), date);
  }

  @Test
  void theLiteLlmFileOfJuly2026() throws IOException {
    CatalogDiff.Result result = diff("litellm-prices-2026-07-subset.json", "2026-07-24");

    // 218 keys, 217 with a per-token price; 54 are exact names of bundled entries, the other 163
    // are not. Counted independently of this code from both JSON files.
    assertThat(result.modelsRead()).isEqualTo(218);
    assertThat(result.compared()).isEqualTo(54);
    assertThat(result.same()).isEqualTo(46);
    assertThat(result.notInCatalogue()).hasSize(163);
    assertThat(result.differences())
        .extracting(d -> d.model() + " " + d.buckets().stream().map(CatalogDiff.BucketDifference::bucket).toList())
        .containsExactly(
            "claude-3-haiku-20240307 [cache_write_1h]",
            "deepseek-chat [input, cache_read, output]",
            "deepseek-reasoner [input, cache_read, output]",
            "deepseek-v4-flash [cache_write_5m]",
            "deepseek-v4-pro [cache_write_5m]",
            "gemini-2.0-flash-001 [input, cache_read, output, input_audio]",
            "gemini-2.0-flash-lite [cache_read]",
            "gemini-2.0-flash-lite-001 [cache_read]");
    // LiteLLM still has V3.2 for deepseek-chat; we bill deepseek-v4-flash's last price.
    CatalogDiff.ModelDifference chat = result.differences().get(1);
    assertThat(chat.buckets())
        .containsExactly(
            new CatalogDiff.BucketDifference("input", new BigDecimal("1.4E-7"), new BigDecimal("2.8E-7")),
            new CatalogDiff.BucketDifference("cache_read", new BigDecimal("2.8E-9"), new BigDecimal("2.8E-8")),
            new CatalogDiff.BucketDifference("output", new BigDecimal("2.8E-7"), new BigDecimal("4.2E-7")));
    assertThat(chat.notWritable()).isEqualTo("deepseek/deepseek-chat is retired from 2026-07-24");
  }

  @Test
  void theFullLiteLlmFileOfSeptember2025() throws IOException {
    CatalogDiff.Result result = diff("litellm-prices-2025-09.json", "2025-09-05");

    assertThat(result.modelsRead()).isEqualTo(1701);
    assertThat(result.compared()).isEqualTo(62);
    assertThat(result.same()).isEqualTo(52);
    assertThat(result.notInCatalogue()).hasSize(1406);
    assertThat(result.differences())
        .extracting(CatalogDiff.ModelDifference::model)
        .containsExactly(
            "azure/gpt-4o-mini", "deepseek-chat", "eu.anthropic.claude-3-5-haiku-20241022-v1:0",
            "gemini-2.0-flash-001", "claude-3-5-haiku-latest", "gemini-2.0-flash-lite",
            "gemini-2.0-flash-lite-001", "gemini-2.5-flash", "gemini-2.5-pro",
            "gemini-2.5-flash-lite");
    // On 2025-09-05 deepseek-chat is V3.1 (0.56 / 0.07 / 1.68); that file still lists V2.5.
    assertThat(result.differences().get(1).buckets())
        .extracting(b -> b.bucket() + " " + CatalogWriter.perMillion(b.ours()) + " " + CatalogWriter.perMillion(b.theirs()))
        .containsExactly("input 0.56 0.14", "cache_read 0.07 0.014", "output 1.68 0.28");
  }

  @Test
  void theLayerClosesThePeriodInForceAndStartsANewOneWithTheFilesFigures() throws IOException {
    CatalogDiff.Result result = diff("litellm-prices-2026-07-subset.json", "2026-07-24");

    CatalogDiff.Layer layer =
        CatalogDiff.layer(result, "litellm-prices-2026-07-subset.json", LocalDate.parse("2026-08-01"));
    CatalogLoad load = CatalogLoader.parse(layer.json(), "layer.json", null);

    assertThat(layer.written())
        .containsExactly(
            "claude-3-haiku-20240307 -> anthropic/claude-3-haiku",
            "deepseek-v4-flash -> deepseek/deepseek-v4-flash",
            "deepseek-v4-pro -> deepseek/deepseek-v4-pro");
    assertThat(layer.notWritten())
        .containsExactly(
            "deepseek-chat: deepseek/deepseek-chat is retired from 2026-07-24",
            "deepseek-reasoner: deepseek/deepseek-reasoner is retired from 2026-07-24",
            "gemini-2.0-flash-001: the file prices it for gcp.vertex_ai, gcp.gemini/gemini-2.0-flash is gcp.gemini's",
            "gemini-2.0-flash-lite: the file prices it for gcp.vertex_ai, gcp.gemini/gemini-2.0-flash-lite is gcp.gemini's",
            "gemini-2.0-flash-lite-001: the file prices it for gcp.vertex_ai, gcp.gemini/gemini-2.0-flash-lite is gcp.gemini's");
    assertThat(load.issues()).isEmpty();
    ModelEntry flash = load.layer().entry("deepseek/deepseek-v4-flash");
    assertThat(flash.periods()).extracting(PricePeriod::label)
        .containsExactly("always", "2026-04-26", "2026-08-01");
    assertThat(flash.periods().get(1).effectiveTo()).isEqualTo(LocalDate.parse("2026-08-01"));
    PricePeriod added = flash.periods().get(2);
    assertThat(added.base().cacheWrite5m()).isEqualByComparingTo("0");
    assertThat(added.base().input()).isEqualByComparingTo("1.4E-7");
    assertThat(added.base().cacheRead()).isEqualByComparingTo("2.8E-9");
    assertThat(added.source())
        .isEqualTo("LiteLLM price file litellm-prices-2026-07-subset.json (cache_write_5m);"
            + " other figures: https://api-docs.deepseek.com/quick_start/pricing");
    assertThat(added.asOf()).isEqualTo(LocalDate.parse("2026-07-24"));

    // Over the bundled catalogue, the layer changes prices from its date only.
    PriceCatalog layered = PriceCatalog.defaults().withLayerOnTop(load.layer());
    assertThat(CatalogDiff.compare(layered, CatalogLoader.load(
            sharedData("litellm-prices-2026-07-subset.json"), LocalDate.parse("2026-08-01")),
        LocalDate.parse("2026-08-01")).differences())
        .extracting(CatalogDiff.ModelDifference::model)
        .containsExactly("deepseek-chat", "deepseek-reasoner", "gemini-2.0-flash-001",
            "gemini-2.0-flash-lite", "gemini-2.0-flash-lite-001");
    ModelEntry haiku = layered.findModel("claude-3-haiku-20240307", "anthropic").entry();
    assertThat(haiku.periodAt(LocalDate.parse("2026-07-31")).base().cacheWrite1h())
        .isEqualByComparingTo("5E-7");
    assertThat(haiku.periodAt(LocalDate.parse("2026-08-01")).base().cacheWrite1h())
        .isEqualByComparingTo("6E-6");
  }

  @Test
  void theWriterWritesWhatTheLoaderReadsBack() {
    List<ModelEntry> bundled = PriceCatalog.defaultLoad().layer().entries();
    List<ModelEntry> lifecycle = io.agentmeter.cost.pricing.LifecycleFixture.load().layer().entries();

    for (List<ModelEntry> entries : List.of(bundled, lifecycle)) {
      CatalogLoad back = CatalogLoader.parse(CatalogWriter.toJson("copy", null, entries), "copy", null);

      assertThat(back.issues()).isEmpty();
      assertThat(back.layer().entries()).hasSize(entries.size());
      for (int i = 0; i < entries.size(); i++) {
        ModelEntry a = entries.get(i);
        ModelEntry b = back.layer().entries().get(i);
        assertThat(b.periods()).as(a.id()).isEqualTo(a.periods());
        assertThat(b.aliases()).as(a.id()).isEqualTo(a.aliases());
        assertThat(b.retired()).as(a.id()).isEqualTo(a.retired());
        assertThat(b.names()).as(a.id()).isEqualTo(a.names());
        assertThat(b.regex() == null ? null : b.regex().pattern())
            .isEqualTo(a.regex() == null ? null : a.regex().pattern());
        assertThat(b.kind()).isEqualTo(a.kind());
      }
    }
  }
}
