package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LayeredLookupTest {

  @Test
  void aUserLayersEntryForOneProviderDoesNotShadowAnotherProvidersEntryBelow() {
    String azure =
        "{\"format\": \"agentmeter.prices/v1\", \"models\": [{\"id\": \"azure.ai.openai/gpt-4o-mini\","
            + " \"provider\": \"azure.ai.openai\", \"match\": {\"names\": [\"gpt-4o-mini\"]},"
            + " \"prices\": [{\"input\": \"0.165\", \"output\": \"0.66\", \"source\": \"regional\"}]}]}";
    PriceCatalog layered =
        PriceCatalog.defaults().withLayerOnTop(CatalogLoader.parse(azure, "azure.json", null).layer());

    assertThat(layered.findModel("gpt-4o-mini", "azure.ai.openai").entry().periods().get(0).source())
        .isEqualTo("regional");
    assertThat(layered.findModel("gpt-4o-mini", "openai").entry().id()).isEqualTo("openai/gpt-4o-mini");
    assertThat(layered.findModel("gpt-4o-mini", null).entry().periods().get(0).source())
        .isEqualTo("regional");
    assertThat(layered.findModel("gpt-4o-mini", "someone-else").entry().periods().get(0).source())
        .isEqualTo("regional");
  }
}
