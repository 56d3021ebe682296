package io.agentmeter.processor;

import static io.agentmeter.testing.otlp.OtlpPayloads.str;
import static io.agentmeter.testing.otlp.OtlpPayloads.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.agentmeter.testing.otlp.OtlpReceiver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans as Python and Node services send them, through OTLP/HTTP to the API and on to a receiver:
 * OpenLIT's (attribution on the resource, as {@code OTEL_RESOURCE_ATTRIBUTES} sets it, and a
 * {@code gen_ai.usage.cost} of its own, 0 when it cannot price) and OpenLLMetry's (attribution in
 * {@code traceloop.association.properties.*}, a model name with a provider prefix, its older token
 * count names). The model is gpt-4o-mini at 0.15 input and 0.60 output per million tokens.
 */
class NonJavaSpansTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = 1_764_000_000_000_000_000L;
  private static final ByteString TRACE = ByteString.copyFrom(
      ByteBuffer.allocate(16).putLong(0x5af7651916cd43ddL).putLong(0x8448eb211c80319cL).array());

  @TempDir Path dir;

  @Test
  void openLitAndOpenLlmetrySpansAreAttributedPricedAndForwardedWithOneCost() throws Exception {
    try (OtlpReceiver backend = OtlpReceiver.start();
        Processor processor = Processor.builder()
            .setLedger(dir.resolve("ledger.db").toString())
            .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
            .setTraceGrace(Duration.ofMillis(100)).setForward(backend.baseUrl()).start()) {
      send(processor, request());
      await().atMost(Duration.ofSeconds(15)).until(() -> backend.spans().size() == 4);

      // OpenLIT's priced call: 1,000 x 0.15e-6 + 100 x 0.60e-6 = 0.00015 + 0.00006
      Span priced = backend.named("chat gpt-4o-mini").get(0).span();
      assertThat(attributes(priced)).containsEntry("gen_ai.usage.cost", 0.00021)
          .containsEntry("agentmeter.cost.amount", 0.00021)
          .containsEntry("agentmeter.cost.original.gen_ai.usage.cost", 0.0)
          .containsEntry("agentmeter.cost.status", "priced");
      assertThat(count(priced, "gen_ai.usage.cost")).isOne();
      // OpenLIT's call of a model we cannot price either: its 0 is kept, renamed, and no cost
      // takes its place
      Span unpriced = backend.named("chat acme-llm").get(0).span();
      assertThat(attributes(unpriced)).doesNotContainKey("gen_ai.usage.cost")
          .doesNotContainKey("agentmeter.cost.amount")
          .containsEntry("agentmeter.cost.original.gen_ai.usage.cost", 0.0)
          .containsEntry("agentmeter.cost.status", "unpriced");
      // OpenLLMetry's call came without gen_ai.usage.cost and goes without: 2,000 x 0.15e-6 +
      // 200 x 0.60e-6 = 0.0003 + 0.00012
      Span prefixed = backend.named("openai.chat").get(0).span();
      assertThat(attributes(prefixed)).containsEntry("agentmeter.cost.amount", 0.00042)
          .doesNotContainKey("gen_ai.usage.cost")
          .doesNotContainKey("agentmeter.cost.original.gen_ai.usage.cost");
      // the root, a non-LLM span, is forwarded without cost attributes of its own
      Span root = backend.named("POST /report").get(0).span();
      assertThat(attributes(root)).containsEntry("agentmeter.trace.cost.amount", 0.00063)
          .containsEntry("agentmeter.trace.unpriced_spans", 1L)
          .doesNotContainKey("agentmeter.cost.status");

      JsonNode byAgent = rows(processor, "agent");
      assertThat(byAgent.get("planner").get("cost").decimalValue())
          .isEqualByComparingTo(new BigDecimal("0.00021"));
      assertThat(byAgent.get("planner").get("unpricedSpans").asLong()).isEqualTo(1);
      assertThat(byAgent.get("researcher").get("cost").decimalValue())
          .isEqualByComparingTo(new BigDecimal("0.00042"));
      JsonNode byClient = rows(processor, "client");
      assertThat(byClient.get("initech").get("spans").asLong()).isEqualTo(2);
      assertThat(byClient.get("umbrella").get("cost").decimalValue())
          .isEqualByComparingTo(new BigDecimal("0.00042"));
      assertThat(rows(processor, "task").get("report-7").get("cost").decimalValue())
          .isEqualByComparingTo(new BigDecimal("0.00042"));
      assertThat(rows(processor, "model").get("openai/gpt-4o-mini").get("inputTokens").asLong())
          .isEqualTo(2_000);
    }
  }

  /**
   * One trace from two services: an OpenLIT one (attribution on its resource) with the root, a
   * priced and an unpriced call; an OpenLLMetry one with a call attributed by association
   * properties.
   */
  private static ExportTraceServiceRequest request() {
    ByteString root = spanId(1);
    ResourceSpans openLit = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "openlit-svc"))
            .addAttributes(str("gen_ai.agent.name", "planner"))
            .addAttributes(str("agentmeter.client.id", "initech")))
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(root, null, "POST /report"))
            .addSpans(span(spanId(2), root, "chat gpt-4o-mini")
                .addAttributes(str("gen_ai.operation.name", "chat"))
                .addAttributes(str("gen_ai.system", "openai"))
                .addAttributes(str("gen_ai.request.model", "gpt-4o-mini"))
                .addAttributes(num("gen_ai.usage.input_tokens", 1_000))
                .addAttributes(num("gen_ai.usage.output_tokens", 100))
                .addAttributes(dbl("gen_ai.usage.cost", 0.0)))
            .addSpans(span(spanId(3), root, "chat acme-llm")
                .addAttributes(str("gen_ai.operation.name", "chat"))
                .addAttributes(str("gen_ai.system", "acme"))
                .addAttributes(str("gen_ai.request.model", "acme-llm"))
                .addAttributes(num("gen_ai.usage.input_tokens", 500))
                .addAttributes(num("gen_ai.usage.output_tokens", 50))
                .addAttributes(dbl("gen_ai.usage.cost", 0.0))))
        .build();
    ResourceSpans openLlmetry = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "openllmetry-svc")))
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(spanId(4), root, "openai.chat")
                .addAttributes(str("llm.request.type", "chat"))
                .addAttributes(str("gen_ai.system", "openai"))
                .addAttributes(str("gen_ai.request.model", "openai/gpt-4o-mini"))
                .addAttributes(num("gen_ai.usage.prompt_tokens", 2_000))
                .addAttributes(num("gen_ai.usage.completion_tokens", 200))
                .addAttributes(str("traceloop.association.properties.agent", "researcher"))
                .addAttributes(str("traceloop.association.properties.task", "report-7"))
                .addAttributes(str("traceloop.association.properties.client", "umbrella"))))
        .build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(openLit)
        .addResourceSpans(openLlmetry).build();
  }

  private static Span.Builder span(ByteString id, ByteString parent, String name) {
    Span.Builder span = Span.newBuilder().setTraceId(TRACE).setSpanId(id).setName(name)
        .setStartTimeUnixNano(START + id.byteAt(7)).setEndTimeUnixNano(START + 900_000);
    return parent == null ? span : span.setParentSpanId(parent);
  }

  private static ByteString spanId(int n) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0x1000 + n).array());
  }

  private static void send(Processor processor, ExportTraceServiceRequest request)
      throws Exception {
    assertThat(Loopback.post(processor.otlpHttpPort(), request)).isEqualTo(200);
  }

  /** The cost rows grouped by {@code by}, by key. */
  private static JsonNode rows(Processor processor, String by) throws Exception {
    String traceId = HexFormat.of().formatHex(TRACE.toByteArray());
    await().atMost(Duration.ofSeconds(15))
        .until(() -> processor.costStore().trace(traceId).isPresent());
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + processor.apiPort() + "/api/v1/costs?groupBy=" + by)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, JsonNode> byKey = new HashMap<>();
    JSON.readTree(response.body()).get("rows").forEach(row -> byKey.put(row.get("key").asText(), row));
    return JSON.valueToTree(byKey);
  }

  private static Map<String, Object> attributes(Span span) {
    Map<String, Object> result = new HashMap<>();
    for (KeyValue kv : span.getAttributesList()) {
      result.put(kv.getKey(), OtlpReceiver.value(kv.getValue()));
    }
    return result;
  }

  private static long count(Span span, String key) {
    return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).count();
  }

  private static KeyValue dbl(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value))
        .build();
  }
}
