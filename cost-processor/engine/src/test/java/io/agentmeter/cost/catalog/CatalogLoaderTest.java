package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentmeter.cost.TestSpans;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CatalogLoaderTest {

  private static Path sharedData(String file) {
    Path path = Path.of(System.getProperty("agentmeter.shared.data", "../../../shared/data"), file);
    boolean required = Boolean.getBoolean("agentmeter.require.shared.data");
    if (required) {
      assertThat(path).exists();
    } else {
      assumeTrue(Files.exists(path), "shared data not beside the checkout: " + path);
    }
    return path;
  }

  @Test
  void testCatalogueLoadsWithoutIssues() {
    CatalogLoad load = TestSpans.testLoad();

    assertThat(load.issues()).isEmpty();
    assertThat(load.format()).isEqualTo("agentmeter");
    assertThat(load.entriesRead()).isEqualTo(8);
    assertThat(load.layer().entries()).hasSize(8);
    assertThat(load.layer().adjustments()).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"litellm-prices-2025-09.json", "litellm-prices-2026-07-subset.json"})
  void liteLlmFilesLoadWholeWithEveryLeftOutEntryReported(String file) throws IOException {
    Path path = sharedData(file);
    JsonNode root = CatalogLoader.MAPPER.readTree(path.toFile());

    CatalogLoad load = CatalogLoader.load(path, LocalDate.parse("2026-07-24"));

    assertThat(load.format()).isEqualTo("litellm");
    assertThat(load.entriesRead()).isEqualTo(root.size());
    Set<String> accounted = new HashSet<>();
    load.layer().entries().forEach(e -> accounted.add(e.id()));
    load.issues().stream().filter(LoadIssue::skipped).forEach(i -> accounted.add(i.entry()));
    List<String> keys = new java.util.ArrayList<>();
    root.fieldNames().forEachRemaining(keys::add);
    assertThat(accounted).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(load.layer().entries().size()).isGreaterThan(root.size() / 2);
    assertThat(load.issues()).allSatisfy(issue -> assertThat(issue.reason()).isNotBlank());
  }

  @Test
  void liteLlmFieldsMapToBucketsTiersAndLongContext() {
    PriceCatalog catalog =
        PriceCatalog.of(List.of(assertLoaded("litellm-prices-2026-07-subset.json").layer()));

    PricePeriod sonnet = catalog.findModel("claude-sonnet-4-5", null).entry().periods().get(0);
    assertThat(sonnet.base().input()).isEqualByComparingTo("0.000003");
    assertThat(sonnet.base().cacheRead()).isEqualByComparingTo("3e-7");
    assertThat(sonnet.base().cacheWrite5m()).isEqualByComparingTo("3.75e-6");
    assertThat(sonnet.base().cacheWrite1h()).isEqualByComparingTo("6e-6");
    assertThat(sonnet.longContext()).extracting(LongContextTier::aboveInputTokens).containsExactly(200_000L);
    assertThat(sonnet.longContext().get(0).prices().input()).isEqualByComparingTo("6e-6");
    assertThat(sonnet.source()).isEqualTo("LiteLLM price file litellm-prices-2026-07-subset.json");
    assertThat(sonnet.asOf()).isEqualTo(LocalDate.parse("2026-07-24"));

    PricePeriod gpt4o = catalog.findModel("gpt-4o", "openai").entry().periods().get(0);
    assertThat(gpt4o.serviceTiers().get("batch").prices().input()).isEqualByComparingTo("1.25e-6");
    assertThat(gpt4o.serviceTiers().get("priority").prices().input()).isEqualByComparingTo("4.25e-6");
  }

  @Test
  void liteLlmEntriesWithoutTokenPricesAreReportedWithTheirUnits() {
    CatalogLoad load = assertLoaded("litellm-prices-2025-09.json");

    assertThat(load.issues())
        .filteredOn(i -> i.entry().equals("256-x-256/dall-e-2"))
        .extracting(LoadIssue::toString)
        .containsExactly(
            "256-x-256/dall-e-2: entry skipped: no per-token price (priced only by input_cost_per_pixel, output_cost_per_pixel)");
    assertThat(load.issues())
        .filteredOn(LoadIssue::skipped)
        .extracting(LoadIssue::reason)
        .anySatisfy(reason -> assertThat(reason).startsWith("no per-token price (priced only by "));
  }

  private static CatalogLoad assertLoaded(String file) {
    try {
      return CatalogLoader.load(sharedData(file), LocalDate.parse("2026-07-24"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void liteLlmNumbersAreReadExactlyFromTheirText() {
    CatalogLoad load =
        CatalogLoader.parse(
            "{\"m\": {\"litellm_provider\": \"openai\", \"input_cost_per_token\": 1.1e-07,"
                + " \"output_cost_per_token\": 0.0000044}}",
            "inline.json", null);

    BucketPrices prices = load.layer().entries().get(0).periods().get(0).base();
    assertThat(prices.input()).isEqualTo(new BigDecimal("1.1E-7"));
    assertThat(prices.output()).isEqualTo(new BigDecimal("0.0000044"));
    assertThat(load.layer().entries().get(0).provider()).isEqualTo("openai");
  }

  @Test
  void badFieldsAndEntriesOfOurFormatAreReportedAndTheRestLoads() {
    String json =
        "{\"format\": \"agentmeter.prices/v1\", \"models\": ["
            + "{\"id\": \"ok\", \"provider\": \"openai\", \"match\": {\"names\": [\"ok\"]},"
            + "  \"prices\": [{\"input\": \"1\", \"output\": \"2\", \"source\": \"s\"}]},"
            + "{\"id\": \"no-source\", \"provider\": \"openai\", \"match\": {\"names\": [\"a\"]},"
            + "  \"prices\": [{\"input\": \"1\"}]},"
            + "{\"id\": \"negative\", \"provider\": \"openai\", \"match\": {\"names\": [\"b\"]},"
            + "  \"prices\": [{\"input\": \"-1\", \"source\": \"s\"}]},"
            + "{\"id\": \"text\", \"provider\": \"openai\", \"match\": {\"names\": [\"c\"]},"
            + "  \"prices\": [{\"input\": \"cheap\", \"source\": \"s\"}]},"
            + "{\"id\": \"regex\", \"provider\": \"openai\", \"match\": {\"regex\": \"(\"},"
            + "  \"prices\": [{\"input\": \"1\", \"source\": \"s\"}]},"
            + "{\"id\": \"overlap\", \"provider\": \"openai\", \"match\": {\"names\": [\"d\"]},"
            + "  \"prices\": [{\"input\": \"1\", \"source\": \"s\", \"effective_from\": \"2025-01-01\"},"
            + "             {\"input\": \"2\", \"source\": \"s\", \"effective_from\": \"2025-06-01\"}]},"
            + "{\"id\": \"ok\", \"provider\": \"openai\", \"match\": {\"names\": [\"e\"]},"
            + "  \"prices\": [{\"input\": \"1\", \"source\": \"s\"}]}"
            + "]}";

    CatalogLoad load = CatalogLoader.parse(json, "user.json", null);

    assertThat(load.layer().entries()).extracting(ModelEntry::id).containsExactly("ok");
    assertThat(load.issues())
        .extracting(LoadIssue::toString)
        .containsExactly(
            "no-source: field ignored: prices[0] left out: source is missing: every figure needs one",
            "no-source: entry skipped: no usable price period",
            "negative: field ignored: prices[0] left out: input is negative (-1)",
            "negative: entry skipped: no usable price period",
            "text: field ignored: prices[0] left out: input is \"cheap\", not a decimal number",
            "text: entry skipped: no usable price period",
            "regex: entry skipped: match.regex does not compile: Unclosed group",
            "overlap: entry skipped: price periods starting 2025-01-01 and 2025-06-01 overlap",
            "ok: entry skipped: duplicate id; the first entry with it is kept");
  }

  @Test
  void everyProblemOfAPeriodIsReportedNotOnlyTheFirst() {
    String json =
        "{\"format\": \"agentmeter.prices/v1\", \"models\": ["
            + "{\"id\": \"many\", \"provider\": \"openai\", \"match\": {\"names\": [\"m\"]},"
            + "  \"prices\": [{\"input\": \"cheap\", \"output\": \"-1\", \"effective_to\": \"soon\","
            + "    \"service_tiers\": {\"turbo\": {\"input\": \"1\"}},"
            + "    \"tool_calls\": {\"web_search\": true}},"
            + "   {\"input\": \"1\", \"source\": \"s\"}]}"
            + "]}";

    CatalogLoad load = CatalogLoader.parse(json, "user.json", null);

    assertThat(load.layer().entries()).extracting(ModelEntry::id).containsExactly("many");
    assertThat(load.issues())
        .extracting(LoadIssue::toString)
        .containsExactly(
            "many: field ignored: prices[0] left out: effective_to \"soon\" is not a date (yyyy-mm-dd)",
            "many: field ignored: prices[0] left out: source is missing: every figure needs one",
            "many: field ignored: prices[0] left out: input is \"cheap\", not a decimal number",
            "many: field ignored: prices[0] left out: output is negative (-1)",
            "many: field ignored: prices[0] left out: service tier \"turbo\" is not one of "
                + java.util.Set.of("batch", "flex", "priority"),
            "many: field ignored: prices[0] left out: tool_calls.web_search is a boolean, not a number");
  }

  @Test
  void unreadableFilesFailWithWhatIsWrong() {
    assertThatThrownBy(() -> CatalogLoader.parse("{\"models\": [", "broken.json", null))
        .isInstanceOf(CatalogException.class)
        .hasMessageStartingWith("broken.json is not valid JSON: ");
    assertThatThrownBy(() -> CatalogLoader.parse("{\"format\": \"other/v9\", \"models\": []}", "f.json", null))
        .hasMessage("f.json: \"format\" is \"other/v9\"; this version reads \"agentmeter.prices/v1\"");
    assertThatThrownBy(() -> CatalogLoader.parse("[1, 2]", "a.json", null))
        .hasMessage("a.json must hold a JSON object at the top level");
    assertThatThrownBy(() -> CatalogLoader.parse("{\"x\": 1}", "b.json", null))
        .hasMessageStartingWith("b.json is neither an AgentMeter catalogue");
  }

  @Test
  void aUserLayerOverridesTheBaseForItsModelsOnly() {
    String contract =
        "{\"format\": \"agentmeter.prices/v1\", \"models\": [{\"id\": \"contract/gpt-4o\","
            + " \"provider\": \"openai\", \"match\": {\"names\": [\"gpt-4o\"]},"
            + " \"prices\": [{\"input\": \"2.00\", \"output\": \"8.00\", \"source\": \"MSA 2026\"}]}]}";
    PriceCatalog layered =
        TestSpans.catalog().withLayerOnTop(CatalogLoader.parse(contract, "contract.json", null).layer());

    assertThat(layered.findModel("gpt-4o", "openai").entry().id()).isEqualTo("contract/gpt-4o");
    assertThat(layered.findModel("gpt-4o-mini", "openai").entry().id()).isEqualTo("openai/gpt-4o-mini");
    assertThat(layered.findModel("nothing-like-it", null).entry()).isNull();
  }
}
