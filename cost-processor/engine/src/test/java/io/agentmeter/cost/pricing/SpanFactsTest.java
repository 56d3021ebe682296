package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import io.agentmeter.cost.data.SpanRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpanFactsTest {

  @Test
  void badAttributionValuesAreReportedButDoNotStopPricing() {
    SpanFacts facts =
        SpanFacts.read(chat("a1", "gpt-4o", 1_000, 0).attr("agentmeter.client.id", 42L).build());

    assertThat(facts.problems()).containsExactly("agentmeter.client.id has type long, expected string");
    assertThat(facts.usageProblems()).isEmpty();
    assertThat(CostEngine.builder().setCatalog(TestSpans.catalog()).build()
            .price(chat("a1", "gpt-4o", 1_000, 0).attr("agentmeter.client.id", 42L).build())
            .status())
        .isEqualTo(CostStatus.PRICED);
  }

  @Test
  void operationNameDecidesTheCategory() {
    assertThat(SpanFacts.read(span("a").attr("gen_ai.operation.name", "generate_content").build()).category())
        .isEqualTo(SpanCategory.INFERENCE);
    assertThat(SpanFacts.read(span("a").attr("gen_ai.operation.name", "invoke_workflow").build()).category())
        .isEqualTo(SpanCategory.AGENT);
    assertThat(SpanFacts.read(span("a").attr("gen_ai.operation.name", "retrieval").build()).category())
        .isEqualTo(SpanCategory.OTHER);
    assertThat(SpanFacts.read(span("a").attr("http.request.method", "GET").build()).category())
        .isEqualTo(SpanCategory.OTHER);
  }

  @Test
  void theNewerCacheWriteSpellingAndAListValueAreHandled() {
    SpanFacts newer =
        SpanFacts.read(chat("a", "gpt-4o", 100, 1).attr("gen_ai.usage.cache_write.input_tokens", 40).build());
    SpanFacts list =
        SpanFacts.read(chat("a", "gpt-4o", 100, 1).attr("gen_ai.usage.output_tokens", List.of(1L)).build());

    assertThat(newer.usage().cacheWrite()).isEqualTo(40L);
    assertThat(list.usageProblems())
        .containsExactly("gen_ai.usage.output_tokens has type array, expected an integer");
  }

  @Test
  void retryAttemptComesFromEitherKey() {
    assertThat(SpanFacts.read(span("a").attr("http.request.resend_count", 2L).build()).retryAttempt()).isEqualTo(2);
    assertThat(SpanFacts.read(span("a").attr("agentmeter.retry.attempt", 1L).build()).retryAttempt()).isEqualTo(1);
    assertThat(SpanFacts.read(span("a").build()).retryAttempt()).isZero();
  }

  @Test
  void theFirstTokenSpellingPresentDecidesEvenWhenItsValueIsUnusable() {
    SpanFacts older = SpanFacts.read(span("a").attr("gen_ai.usage.prompt_tokens", 120L)
        .attr("llm.token_count.prompt", 7L).build());
    SpanFacts bad = SpanFacts.read(span("a").attr("gen_ai.usage.input_tokens", "many")
        .attr("gen_ai.usage.prompt_tokens", 120L).build());
    Map<String, Object> nullPinned = new HashMap<>();
    nullPinned.put("gen_ai.usage.input_tokens", null);
    nullPinned.put("gen_ai.usage.prompt_tokens", 120L);
    SpanFacts nullValue = SpanFacts.read(
        new SpanRecord(TestSpans.TRACE, "a", null, "s", 1L, 2L, false, nullPinned, Map.of()));

    assertThat(older.usage().input()).isEqualTo(120L);
    assertThat(bad.usage().input()).isNull();
    assertThat(bad.usageProblems())
        .containsExactly("gen_ai.usage.input_tokens has type string, expected an integer");
    assertThat(nullValue.usage().input()).isNull();
    assertThat(nullValue.usageProblems()).isEmpty();
  }

  @Test
  void toolCallCountsAreReadByFeeName() {
    SpanFacts facts = SpanFacts.read(chat("a", "o3", 10, 1)
        .attr("agentmeter.usage.tool_calls.web_search", 3L)
        .attr("agentmeter.usage.tool_calls.file_search", -1L).build());
    List<String> problems = new java.util.ArrayList<>();

    assertThat(facts.toolCalls("web_search", problems)).isEqualTo(3);
    assertThat(facts.toolCalls("web_search", problems)).isEqualTo(3);
    assertThat(facts.toolCalls("code_interpreter", problems)).isZero();
    assertThat(facts.toolCalls("file_search", problems)).isZero();
    assertThat(problems)
        .containsExactly("agentmeter.usage.tool_calls.file_search is negative (-1)");
  }

  @Test
  void rarelySetKeysAreReadWhetherASpanHasFewAttributesOrMany() {
    TestSpans.Builder few = withRarelySetKeys();
    TestSpans.Builder many = withRarelySetKeys();
    for (int i = 0; i < 40; i++) {
      many.attr("app.extra." + i, "x");
    }

    for (SpanFacts facts : List.of(SpanFacts.read(few.build()), SpanFacts.read(many.build()))) {
      assertThat(facts.usage().cacheWrite()).isEqualTo(300L);
      assertThat(facts.usage().reasoning()).isEqualTo(50L);
      assertThat(facts.usage().audioInput()).isEqualTo(20L);
      assertThat(facts.serviceTier()).isEqualTo("flex");
      assertThat(facts.retryAttempt()).isEqualTo(2);
      // the baggage copy before OpenLLMetry's association property
      assertThat(facts.baggageClient()).isEqualTo("acme");
      assertThat(facts.baggageAgent()).isEqualTo("researcher");
      assertThat(facts.baggageTask()).isNull();
      assertThat(facts.sharedResource()).isEqualTo("search:q1");
      assertThat(facts.toolName()).isEqualTo("search");
      assertThat(facts.task()).isNull();
    }
  }

  /** A chat span carrying every rarely-set key the reader looks for. */
  private static TestSpans.Builder withRarelySetKeys() {
    return chat("a", "gpt-4o", 1_000, 200)
        .attr("gen_ai.usage.cache_creation_input_tokens", 300L)
        .attr("gen_ai.usage.reasoning_tokens", 50L)
        .attr("gen_ai.usage.audio.input_tokens", 20L)
        .attr("openai.request.service_tier", "Flex")
        .attr("agentmeter.retry.attempt", 2L)
        .attr("agentmeter.baggage.client.id", "acme")
        .attr("traceloop.association.properties.client", "initech")
        .attr("traceloop.association.properties.agent", "researcher")
        .attr("agentmeter.shared.resource", "search:q1")
        .attr("gen_ai.tool.name", "search");
  }
}
