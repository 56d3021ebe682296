package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Model names with a provider prefix, as LiteLLM and OpenRouter write them, price as the name
 * without it, on the bundled catalogue (prices in force on 2026-11-01).
 */
class ProviderPrefixTest {

  private static final CostEngine DEFAULTS =
      CostEngine.builder().setCatalog(PriceCatalog.defaults()).build();

  @ParameterizedTest(name = "{0} (provider {1})")
  @CsvSource(nullValues = "-", textBlock = """
      # model,                                          provider,  entry,                                  amount
      # 1,000 input x 2.50/M + 100 output x 10.00/M = 0.0025 + 0.001
      openai/gpt-4o,                                    -,         openai/gpt-4o,                          0.0035
      OpenAI/GPT-4o,                                    -,         openai/gpt-4o,                          0.0035
      # the span's provider names the same model's other entry: it is preferred, as without prefix
      openai/gpt-4o,                                    azure.ai.openai, azure.ai.openai/gpt-4o,         0.0035
      # a dated name through the entry's pattern
      openai/gpt-4o-2024-08-06,                         -,         openai/gpt-4o,                          0.0035
      # two prefixes, one at a time: 1,000 x 0.15/M + 100 x 0.60/M = 0.00015 + 0.00006
      openrouter/openai/gpt-4o-mini,                    openai,    openai/gpt-4o-mini,                     0.00021
      # 1,000 x 3.00/M + 100 x 15.00/M = 0.003 + 0.0015
      anthropic/claude-sonnet-4-5,                      -,         anthropic/claude-sonnet-4-5,            0.0045
      openrouter/anthropic/claude-sonnet-4-5-20250929,  openai,    anthropic/claude-sonnet-4-5,            0.0045
      # LiteLLM's Bedrock spelling: 1,000 x 3.30/M + 100 x 16.50/M = 0.0033 + 0.00165
      bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0, -,     aws.bedrock/claude-sonnet-4-5-regional, 0.00495
      # 1,000 x 1.25/M + 100 x 10.00/M = 0.00125 + 0.001
      vertex_ai/gemini-2.5-pro,                         -,         gcp.gemini/gemini-2.5-pro,              0.00225
      # deepseek-chat is deepseek-v4-flash from 2026-04-24 (retired 2026-07-24, then at its last
      # price): 1,000 x 0.14/M + 100 x 0.28/M = 0.00014 + 0.000028
      deepseek/deepseek-chat,                           deepseek,  deepseek/deepseek-v4-flash,             0.000168
      # a catalogue name with the prefix is an exact match and wins (same figures, its own entry)
      azure/gpt-4o,                                     -,         azure.ai.openai/gpt-4o,                 0.0035
      """)
  void aPrefixedNamePricesAsTheNameWithoutIt(
      String model, String provider, String entry, String amount) {
    TestSpans.Builder span = chat("p1", model, 1_000, 100);
    if (provider != null) {
      span.attr("gen_ai.provider.name", provider);
    }

    SpanCost cost = DEFAULTS.price(span.build());

    assertThat(cost.status()).isEqualTo(CostStatus.PRICED);
    assertThat(cost.priceRef()).startsWith(entry + "@");
    assertThat(cost.amount()).isEqualByComparingTo(new BigDecimal(amount));
  }

  @ParameterizedTest
  @CsvSource(textBlock = """
      acme/acme-llm
      openai/
      /gpt-4o
      gpt-4o/extra
      """)
  void aNameThatIsNotInTheCatalogueWithOrWithoutItsPrefixIsUnpriced(String model) {
    SpanCost cost = DEFAULTS.price(chat("p1", model, 1_000, 100).build());

    assertThat(cost.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(cost.amount()).isNull();
    assertThat(cost.reason()).isEqualTo("model '" + model + "' is not in the price catalogue");
  }

  @Test
  void anExactPrefixedEntryWinsOverTheUnprefixedName() {
    String gateway = """
        {"format": "agentmeter.prices/v1", "models": [{"id": "gateway/gpt-4o",
          "provider": "openrouter", "match": {"names": ["openrouter/openai/gpt-4o"]},
          "prices": [{"input": "3.00", "output": "12.00", "source": "gateway contract"}]}]}
        """;
    PriceCatalog catalog = PriceCatalog.defaults()
        .withLayerOnTop(CatalogLoader.parse(gateway, "gateway.json", null).layer());
    CostEngine engine = CostEngine.builder().setCatalog(catalog).build();

    SpanCost exact = engine.price(chat("p1", "openrouter/openai/gpt-4o", 1_000, 100).build());
    SpanCost unprefixed = engine.price(chat("p2", "openai/gpt-4o", 1_000, 100).build());

    // 1,000 x 3.00/M + 100 x 12.00/M = 0.003 + 0.0012
    assertThat(exact.priceRef()).startsWith("gateway/gpt-4o@");
    assertThat(exact.amount()).isEqualByComparingTo(new BigDecimal("0.0042"));
    // the same model one prefix shorter has no entry of its own: the bundled gpt-4o's 0.0035
    assertThat(unprefixed.priceRef()).startsWith("openai/gpt-4o@");
    assertThat(unprefixed.amount()).isEqualByComparingTo(new BigDecimal("0.0035"));
  }

  @Test
  void theMatchSaysWhichPrefixWasRemoved() {
    PriceCatalog.Match match = PriceCatalog.defaults().findModel("openrouter/openai/gpt-4o", null);

    assertThat(match.entry().id()).isEqualTo("openai/gpt-4o");
    assertThat(match.how())
        .isEqualTo("exact name of 'gpt-4o', the name without its provider prefix 'openrouter/openai/'");
  }
}
