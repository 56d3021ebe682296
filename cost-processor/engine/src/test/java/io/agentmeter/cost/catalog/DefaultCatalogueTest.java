package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DefaultCatalogueTest {

  @Test
  void bundledCatalogueLoadsWithoutIssues() {
    CatalogLoad load = PriceCatalog.defaultLoad();

    assertThat(load.issues()).isEmpty();
    assertThat(load.format()).isEqualTo("agentmeter");
    assertThat(load.layer().entries()).hasSize(load.entriesRead());
  }

  @Test
  void everyFigureHasASourceAndADate() {
    for (ModelEntry entry : PriceCatalog.defaultLoad().layer().entries()) {
      for (PricePeriod period : entry.periods()) {
        assertThat(period.source()).as(entry.id()).startsWith("https://");
        assertThat(period.asOf()).as(entry.id()).isNotNull();
      }
    }
  }

  @Test
  void coversTheFiveProvidersAndTheirCloudIds() {
    Set<String> providers =
        PriceCatalog.defaultLoad().layer().entries().stream()
            .map(ModelEntry::provider)
            .collect(Collectors.toSet());
    assertThat(providers).contains("openai", "anthropic", "gcp.gemini", "mistral_ai", "deepseek");

    PriceCatalog catalog = PriceCatalog.defaults();
    assertThat(catalog.findModel("gpt-4o", "openai").entry()).isNotNull();
    assertThat(catalog.findModel("azure/gpt-4o", "azure.ai.openai").entry()).isNotNull();
    assertThat(catalog.findModel("claude-sonnet-4-5", "anthropic").entry()).isNotNull();
    assertThat(catalog.findModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock").entry())
        .isNotNull();
    assertThat(catalog.findModel("gemini-2.5-pro", "gcp.gemini").entry()).isNotNull();
    assertThat(catalog.findModel("deepseek-chat", "deepseek").entry()).isNotNull();
  }
}
