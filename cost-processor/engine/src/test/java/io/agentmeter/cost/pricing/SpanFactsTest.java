package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import java.util.List;
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
}
