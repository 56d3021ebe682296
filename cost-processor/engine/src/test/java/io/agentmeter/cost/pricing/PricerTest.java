package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.nanos;
import static io.agentmeter.cost.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import io.agentmeter.cost.data.SpanRecord;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PricerTest {

  private final CostEngine engine = CostEngine.builder().setCatalog(TestSpans.catalog()).build();

  private SpanCost price(SpanRecord span) {
    return engine.price(span);
  }

  private static BigDecimal usd(String amount) {
    return new BigDecimal(amount);
  }

  @Test
  void openAiStyleCachedTokensArePricedAtTheCacheRate() {
    // 10,000 input of which 4,000 cached; 500 output.
    SpanCost cost =
        price(chat("a1", "gpt-4o", 10_000, 500).attr("gen_ai.usage.cache_read.input_tokens", 4_000).build());

    assertThat(cost.status()).isEqualTo(CostStatus.PRICED);
    // 6,000 x 2.50/M + 4,000 x 1.25/M + 500 x 10/M
    assertThat(cost.breakdown().input()).isEqualByComparingTo(usd("0.015"));
    assertThat(cost.breakdown().cacheRead()).isEqualByComparingTo(usd("0.005"));
    assertThat(cost.breakdown().output()).isEqualByComparingTo(usd("0.005"));
    assertThat(cost.amount()).isEqualByComparingTo(usd("0.025"));
    assertThat(cost.currency()).isEqualTo("USD");
    assertThat(cost.priceRef()).isEqualTo("openai/gpt-4o@2024-10-01");
    assertThat(cost.reason()).isNull();
  }

  @Test
  void anthropicStyleCacheWritesAndReasoningArePricedPerBucket() {
    // Inclusive semconv counts as the extension writes them: input 3,000 = 500 uncached + 1,000
    // cache read + 1,500 cache write (500 of them 1-hour); output 400 of which 100 reasoning.
    SpanCost cost =
        price(
            chat("a1", "claude-sonnet-4-5-20250929", 3_000, 400)
                .attr("gen_ai.provider.name", "anthropic")
                .attr("gen_ai.usage.cache_read.input_tokens", 1_000)
                .attr("gen_ai.usage.cache_creation.input_tokens", 1_500)
                .attr("agentmeter.usage.cache_creation_1h.input_tokens", 500)
                .attr("gen_ai.usage.reasoning.output_tokens", 100)
                .build());

    assertThat(cost.breakdown().input()).isEqualByComparingTo(usd("0.0015")); // 500 x 3
    assertThat(cost.breakdown().cacheRead()).isEqualByComparingTo(usd("0.0003")); // 1000 x 0.30
    // 1,000 x 3.75 + 500 x 6.00
    assertThat(cost.breakdown().cacheWrite()).isEqualByComparingTo(usd("0.00675"));
    assertThat(cost.breakdown().output()).isEqualByComparingTo(usd("0.0045")); // 300 x 15
    assertThat(cost.breakdown().reasoning()).isEqualByComparingTo(usd("0.0015")); // 100 x 15
    assertThat(cost.amount()).isEqualByComparingTo(usd("0.01455"));
    assertThat(cost.priceRef()).isEqualTo("anthropic/claude-sonnet-4-5@2025-09-29");
  }

  @Test
  void cacheTokensLargerThanInputAreTreatedAsDisjointAndSaidSo() {
    // A producer that reports Anthropic's raw counts: input excludes the cache.
    SpanCost cost =
        price(
            chat("a1", "claude-sonnet-4-5", 500, 0)
                .attr("gen_ai.usage.cache_read_input_tokens", 1_000)
                .attr("gen_ai.usage.cache_creation_input_tokens", 1_500)
                .build());

    // 500 x 3 + 1,000 x 0.30 + 1,500 x 3.75
    assertThat(cost.amount()).isEqualByComparingTo(usd("0.007425"));
    assertThat(cost.reason())
        .isEqualTo("cache tokens (2500) exceed input tokens (500): producer counts treated as disjoint");
  }

  @Test
  void longContextTierPricesTheWholeRequestAboveTheThreshold() {
    SpanCost above = price(chat("a1", "claude-sonnet-4-5", 250_000, 1_000).build());
    SpanCost atThreshold = price(chat("a2", "claude-sonnet-4-5", 200_000, 1_000).build());

    // 250,000 x 6.00 + 1,000 x 22.50
    assertThat(above.amount()).isEqualByComparingTo(usd("1.5225"));
    assertThat(above.priceRef()).isEqualTo("anthropic/claude-sonnet-4-5@2025-09-29/above-200000");
    // 200,000 x 3.00 + 1,000 x 15.00: the tier starts above the threshold
    assertThat(atThreshold.amount()).isEqualByComparingTo(usd("0.615"));
  }

  @Test
  void servedServiceTierSelectsItsPrices() {
    SpanCost priority =
        price(chat("a1", "gpt-4o", 1_000, 1_000).attr("openai.response.service_tier", "priority").build());
    SpanCost batch =
        price(chat("a2", "gpt-4o", 1_000, 1_000).attr("agentmeter.service_tier", "batch").build());
    SpanCost standard =
        price(chat("a3", "gpt-4o", 1_000, 1_000).attr("openai.response.service_tier", "default").build());

    assertThat(priority.amount()).isEqualByComparingTo(usd("0.02125")); // 4.25 + 17.00 per M
    assertThat(priority.priceRef()).isEqualTo("openai/gpt-4o@2024-10-01/priority");
    assertThat(batch.amount()).isEqualByComparingTo(usd("0.00625")); // 1.25 + 5.00 per M
    assertThat(standard.amount()).isEqualByComparingTo(usd("0.0125")); // 2.50 + 10.00 per M
  }

  @Test
  void servedTierWithoutAPriceIsUnpricedNotGuessed() {
    SpanCost flex =
        price(chat("a1", "gpt-4o", 1_000, 1_000).attr("openai.response.service_tier", "flex").build());

    assertThat(flex.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(flex.amount()).isNull();
    assertThat(flex.reason()).isEqualTo("served on the 'flex' tier, which has no price for openai/gpt-4o");
  }

  @Test
  void theSameSpanAtTwoDatesUsesThePriceInForceAtItsStart() {
    SpanCost august = price(chat("a1", "gpt-4o", 1_000, 1_000).start(nanos("2024-08-01T12:00:00Z")).build());
    SpanCost november = price(chat("a1", "gpt-4o", 1_000, 1_000).start(nanos("2024-11-01T12:00:00Z")).build());
    SpanCost beforeLaunch = price(chat("a1", "gpt-4o", 1_000, 1_000).start(nanos("2024-01-01T12:00:00Z")).build());

    assertThat(august.amount()).isEqualByComparingTo(usd("0.02")); // 5 + 15 per M
    assertThat(august.priceRef()).isEqualTo("openai/gpt-4o@2024-05-13");
    assertThat(november.amount()).isEqualByComparingTo(usd("0.0125"));
    assertThat(beforeLaunch.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(beforeLaunch.reason()).isEqualTo("no price for openai/gpt-4o in force on 2024-01-01 (span start)");
  }

  @Test
  void perToolCallFeesAndPricedToolSpansAreBilled() {
    SpanCost withSearch =
        price(chat("a1", "o3", 1_000, 100).attr("agentmeter.usage.tool_calls.web_search", 3).build());
    SpanCost tool =
        price(span("t1").attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "vector_search").build());
    SpanCost freeTool =
        price(span("t2").attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "calculator").build());

    // 1,000 x 2 + 100 x 8 per M, plus 3 x 0.01
    assertThat(withSearch.breakdown().fees()).isEqualByComparingTo(usd("0.03"));
    assertThat(withSearch.amount()).isEqualByComparingTo(usd("0.0328"));
    assertThat(tool.amount()).isEqualByComparingTo(usd("0.004"));
    assertThat(tool.priceRef()).isEqualTo("tool/vector_search@always");
    assertThat(freeTool.status()).isEqualTo(CostStatus.NOT_BILLABLE);
    assertThat(freeTool.reason()).isEqualTo("tool 'calculator' has no price");
  }

  @Test
  void embeddingsArePricedOnInputOnly() {
    SpanCost cost =
        price(
            span("e1")
                .attr("gen_ai.operation.name", "embeddings")
                .attr("gen_ai.request.model", "text-embedding-3-small")
                .attr("gen_ai.usage.input_tokens", 1_000_000)
                .build());

    assertThat(cost.amount()).isEqualByComparingTo(usd("0.02"));
  }

  @Test
  void unknownModelIsUnpricedWithItsReasonNeverZero() {
    SpanCost cost = price(chat("a1", "acme-llm-7b", 1_000, 1_000).build());

    assertThat(cost.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(cost.amount()).isNull();
    assertThat(cost.reason()).isEqualTo("model 'acme-llm-7b' is not in the price catalogue");
  }

  @Test
  void missingModelOrUsageIsUnpricedAndAFailedCallWithoutUsageIsNotBillable() {
    SpanCost noModel =
        price(span("a1").attr("gen_ai.operation.name", "chat").attr("gen_ai.usage.input_tokens", 5).build());
    SpanCost noUsage =
        price(span("a2").attr("gen_ai.operation.name", "chat").attr("gen_ai.request.model", "gpt-4o").build());
    SpanCost failed =
        price(span("a3").attr("gen_ai.operation.name", "chat").attr("gen_ai.request.model", "gpt-4o").error().build());

    assertThat(noModel.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(noModel.reason()).isEqualTo("no model name (gen_ai.response.model and gen_ai.request.model absent)");
    assertThat(noUsage.status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(noUsage.reason()).isEqualTo("no token usage reported");
    assertThat(failed.status()).isEqualTo(CostStatus.NOT_BILLABLE);
    assertThat(failed.reason()).isEqualTo("failed call reported no token usage");
  }

  @Test
  void badTokenValuesAreRejectedWithAClearReason() {
    assertThat(price(chat("a1", "gpt-4o", 1, 1).attr("gen_ai.usage.input_tokens", "1200").build()).reason())
        .isEqualTo("bad usage data: gen_ai.usage.input_tokens has type string, expected an integer");
    assertThat(price(chat("a2", "gpt-4o", 1, 1).attr("gen_ai.usage.output_tokens", -5L).build()).reason())
        .isEqualTo("bad usage data: gen_ai.usage.output_tokens is negative (-5)");
    assertThat(price(chat("a3", "gpt-4o", 1, 1).attr("gen_ai.usage.input_tokens", Long.MAX_VALUE).build()).reason())
        .isEqualTo("bad usage data: gen_ai.usage.input_tokens = 9223372036854775807 exceeds the limit of 1000000000 tokens");
    assertThat(price(chat("a4", "gpt-4o", 1, 1).attr("gen_ai.usage.input_tokens", Double.NaN).build()).reason())
        .isEqualTo("bad usage data: gen_ai.usage.input_tokens is NaN, not a whole number of tokens");
    assertThat(price(chat("a5", "gpt-4o", 1, 1).attr("gen_ai.request.model", 42L).build()).reason())
        .isEqualTo("bad usage data: gen_ai.request.model has type long, expected string");
  }

  @Test
  void integralDoubleTokenCountsAreAccepted() {
    SpanCost cost = price(chat("a1", "gpt-4o", 1, 1).attr("gen_ai.usage.input_tokens", 1000.0).build());

    assertThat(cost.amount()).isEqualByComparingTo(usd("0.00251"));
  }

  @Test
  void modelsMatchByAliasPatternRegionPrefixAndProvider() {
    assertThat(price(chat("a1", "azure/gpt-4o", 1_000_000, 0).build()).priceRef())
        .isEqualTo("openai/gpt-4o@2024-10-01");
    assertThat(price(chat("a2", "gpt-4o-2024-08-06", 1_000_000, 0).build()).priceRef())
        .isEqualTo("openai/gpt-4o@2024-10-01");
    assertThat(price(chat("a3", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", 100_000, 0).build()).priceRef())
        .isEqualTo("anthropic/claude-sonnet-4-5@2025-09-29");
    SpanCost onBedrock =
        price(chat("a4", "claude-sonnet-4-5", 100_000, 0).attr("gen_ai.provider.name", "aws.bedrock").build());
    assertThat(onBedrock.priceRef()).isEqualTo("aws.bedrock/claude-sonnet-4-5@always");
    assertThat(onBedrock.amount()).isEqualByComparingTo(usd("0.33"));
  }

  @Test
  void responseModelIsPreferredAndRequestModelIsTheFallback() {
    SpanCost served =
        price(chat("a1", "gpt-4o", 1_000_000, 0).attr("gen_ai.response.model", "gpt-4o-mini").build());
    SpanCost fineTuned =
        price(chat("a2", "gpt-4o", 1_000_000, 0).attr("gen_ai.response.model", "ft:acme-custom").build());

    assertThat(served.amount()).isEqualByComparingTo(usd("0.15"));
    assertThat(fineTuned.amount()).isEqualByComparingTo(usd("2.5"));
  }

  @Test
  void clientAdjustmentsMultiplyTheCostAndSaySo() {
    SpanCost acme = price(chat("a1", "gpt-4o", 1_000_000, 0).attr("agentmeter.client.id", "acme").build());
    SpanCost other = price(chat("a2", "gpt-4o", 1_000_000, 0).attr("agentmeter.client.id", "globex").build());

    assertThat(acme.amount()).isEqualByComparingTo(usd("2.0"));
    assertThat(acme.reason()).isEqualTo("adjusted x0.8 (ACME enterprise agreement)");
    assertThat(other.amount()).isEqualByComparingTo(usd("2.5"));
  }

  @Test
  void olderAndOpenInferenceSpellingsAreRead() {
    SpanCost legacy =
        price(
            span("l1")
                .attr("gen_ai.system", "openai")
                .attr("gen_ai.request.model", "gpt-4o")
                .attr("gen_ai.usage.prompt_tokens", 1_000)
                .attr("gen_ai.usage.completion_tokens", 1_000)
                .build());
    SpanCost openInference =
        price(
            span("o1")
                .attr("openinference.span.kind", "LLM")
                .attr("llm.model_name", "gpt-4o")
                .attr("llm.token_count.prompt", 1_000)
                .attr("llm.token_count.completion", 1_000)
                .attr("llm.token_count.prompt_details.cache_read", 1_000)
                .build());

    assertThat(legacy.amount()).isEqualByComparingTo(usd("0.0125"));
    // all 1,000 input tokens from the cache: 1,000 x 1.25 + 1,000 x 10 per M
    assertThat(openInference.amount()).isEqualByComparingTo(usd("0.01125"));
  }

  @Test
  void amountsAreExactDecimals() {
    // One token at 2.50 per million is 0.0000025 exactly; a double would not say so.
    SpanCost one = price(chat("a1", "gpt-4o", 1, 0).build());

    assertThat(one.amount().toPlainString()).isEqualTo("0.0000025");
    assertThat(one.amount().scale()).isEqualTo(7);
  }
}
