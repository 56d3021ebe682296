package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.agentmeter.processor.model.Batch;
import io.agentmeter.processor.otlp.SpanConverter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The shapes of the load's traces. */
class TracesTest {

  private static final long START_MILLIS = 1_764_000_000_000L;

  @Test
  void aMixedTraceHasOneLlmCallInTenAndFifteenToTwentyAttributesOnEveryOtherSpan() {
    List<Span> spans = spans(Traces.request(Profile.mixed, 1_000, 20, START_MILLIS, true));

    assertThat(spans).hasSize(200);
    Map<ByteString, List<Span>> byTrace = spans.stream()
        .collect(Collectors.groupingBy(Span::getTraceId, LinkedHashMap::new, Collectors.toList()));
    assertThat(byTrace).hasSize(20);
    for (List<Span> trace : byTrace.values()) {
      assertThat(trace).hasSize(10);
      List<Span> llm = trace.stream().filter(TracesTest::isLlmCall).toList();
      assertThat(llm).hasSize(1);
      assertThat(attributes(llm.get(0))).containsKeys("gen_ai.request.model",
          "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens");
      for (Span span : trace) {
        if (!isLlmCall(span)) {
          assertThat(span.getAttributesCount()).as(span.getName()).isBetween(15, 20);
          assertThat(attributes(span).keySet()).as(span.getName()).doesNotContain(
              "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.request.model");
        }
        assertThat(attributes(span)).as("keys unique in " + span.getName())
            .hasSize(span.getAttributesCount());
      }
      // one root; every other span's parent is in its trace
      Set<ByteString> ids = new HashSet<>();
      trace.forEach(s -> ids.add(s.getSpanId()));
      assertThat(trace.stream().filter(s -> s.getParentSpanId().isEmpty())).hasSize(1);
      assertThat(trace).allMatch(s -> s.getParentSpanId().isEmpty() || ids.contains(s.getParentSpanId()));
    }
    // what kinds of span the other nine are
    assertThat(byTrace.values().iterator().next().stream().map(Span::getName).toList())
        .containsExactly("POST /research", "execute_tool vector_search", "POST",
            "SELECT research.papers", "GET", "chat gpt-4o", "INSERT research.notes",
            "execute_tool fetch_page", "GET", "SET");
  }

  @Test
  void anLlmTraceIsARootAndNineLlmCalls() {
    List<Span> spans = spans(Traces.request(Profile.llm, 0, 20, START_MILLIS, true));

    assertThat(spans).hasSize(200);
    assertThat(spans.stream().filter(TracesTest::isLlmCall)).hasSize(180);
    assertThat(spans.stream().filter(s -> s.getName().equals("POST /research"))).hasSize(20);
  }

  @Test
  void theServiceAcceptsEverySpanOfBothProfiles() throws Exception {
    for (Profile profile : Profile.values()) {
      byte[] body = Traces.request(profile, 5, 20, START_MILLIS, true).toByteArray();

      Batch batch = SpanConverter.convert(body, true);

      assertThat(batch.spans()).as(profile.name()).hasSize(200);
      assertThat(batch.rejected()).isZero();
      assertThat(batch.problems()).isEmpty();
    }
  }

  private static boolean isLlmCall(Span span) {
    return "chat".equals(attributes(span).get("gen_ai.operation.name"));
  }

  private static List<Span> spans(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream()
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream())
        .toList();
  }

  private static Map<String, String> attributes(Span span) {
    return span.getAttributesList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().hasStringValue()
            ? kv.getValue().getStringValue() : kv.getValue().toString(), (a, b) -> a));
  }
}
