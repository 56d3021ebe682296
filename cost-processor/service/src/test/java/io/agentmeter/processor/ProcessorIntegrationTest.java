package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpServer;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.testing.otlp.WorkflowSpans;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The service end to end, as users run it: spans sent by the real OpenTelemetry SDK exporters over
 * OTLP/HTTP and OTLP/gRPC, stored in a real SQLite file and a real PostgreSQL server, queried over
 * the API and /metrics, and forwarded to an OTLP/HTTP receiver that decodes what arrives.
 */
class ProcessorIntegrationTest {

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();

  @TempDir static Path dir;

  static Stream<Arguments> ledgers() {
    return Stream.of(
        Arguments.of("sqlite", dir.resolve("ledger-" + System.nanoTime() + ".db").toString()),
        Arguments.of("postgresql", POSTGRES.url()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void spansSentTwiceOverBothProtocolsAreCostedOnceQueriedAndForwarded(String kind, String ledger)
      throws Exception {
    List<ExportTraceServiceRequest> forwarded = new CopyOnWriteArrayList<>();
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/v1/traces", exchange -> {
      forwarded.add(ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes()));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    backend.start();
    String client = "acme-" + kind;
    try (Processor processor = Processor.builder()
        .setLedger(ledger)
        .setOtlpHttpPort(0).setOtlpGrpcPort(0).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(200))
        .setForward("http://127.0.0.1:" + backend.getAddress().getPort())
        .start()) {
      List<SpanData> spans = WorkflowSpans.make(client);
      String traceId = spans.get(0).getTraceId();

      try (OtlpHttpSpanExporter http = OtlpHttpSpanExporter.builder()
              .setEndpoint("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces").build();
          OtlpGrpcSpanExporter grpc = OtlpGrpcSpanExporter.builder()
              .setEndpoint("http://127.0.0.1:" + processor.otlpGrpcPort()).build()) {
        assertThat(http.export(spans).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
        // the same spans again, over the other protocol: a retried export
        assertThat(grpc.export(spans).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      // acknowledged means stored: every span is in the ledger once already
      assertThat(StoredSpans.count(processor.costStore(), processor.requestLog()))
          .isEqualTo(spans.size());

      JsonNode trace = await().atMost(Duration.ofSeconds(15)).until(
          () -> get(processor, "/api/v1/traces/" + traceId), r -> r.statusCode() == 200).body();
      assertThat(trace.get("currency").asText()).isEqualTo("USD");
      assertThat(trace.get("complete").asBoolean()).isTrue();
      assertThat(trace.get("total").decimalValue()).isEqualByComparingTo(WorkflowSpans.TOTAL);
      assertThat(trace.get("byAgent").get("planner").decimalValue())
          .isEqualByComparingTo(WorkflowSpans.PLANNER);
      assertThat(trace.get("byAgent").get("researcher").decimalValue())
          .isEqualByComparingTo(WorkflowSpans.RESEARCHER);
      assertThat(trace.get("byClient").get(client).decimalValue())
          .isEqualByComparingTo(WorkflowSpans.TOTAL);
      assertThat(trace.get("unpricedSpans").asInt()).isEqualTo(1);
      Map<String, String> statusByName = new HashMap<>();
      for (JsonNode span : trace.get("spans")) {
        statusByName.put(span.get("name").asText(), span.get("status").asText());
      }
      assertThat(statusByName).containsEntry("chat gpt-4o", "priced")
          .containsEntry("langchain4j chat", "aggregate")
          .containsEntry("chat acme-reviewer-7b", "unpriced")
          .containsEntry("POST /reports", "not_billable");
      assertThat(trace.get("spans")).hasSize(spans.size());

      JsonNode byAgent = get(processor, "/api/v1/costs?groupBy=agent&client=" + client).body();
      assertThat(byAgent.get("groupBy").asText()).isEqualTo("agent");
      JsonNode first = byAgent.get("rows").get(0);
      assertThat(first.get("key").asText()).isEqualTo("researcher");
      assertThat(first.get("cost").decimalValue()).isEqualByComparingTo(WorkflowSpans.RESEARCHER);
      assertThat(first.get("inputTokens").asLong()).isEqualTo(2_000);
      assertThat(first.get("outputTokens").asLong()).isEqualTo(300);
      JsonNode reviewer = byAgent.get("rows").get(2);
      assertThat(reviewer.get("key").asText()).isEqualTo("reviewer");
      assertThat(reviewer.get("unpricedSpans").asLong()).isEqualTo(1);

      JsonNode top = get(processor, "/api/v1/traces?sort=cost&limit=5").body();
      assertThat(top.get("traces").get(0).get("traceId").asText()).isEqualTo(traceId);

      String metrics = Loopback.metrics(processor.apiPort());
      assertThat(metrics).contains("agentmeter_cost_total{agent=\"researcher\",client=\"" + client
          + "\",currency=\"USD\",model=\"gpt-4o\",provider=\"openai\"} 0.007375\n");
      assertThat(metrics).contains("agentmeter_unpriced_spans_total{model=\"acme-reviewer-7b\"} 1.0\n");
      assertThat(metrics).contains("agentmeter_spans_duplicate_total " + spans.size() + ".0\n");

      Map<String, Span> sent = await().atMost(Duration.ofSeconds(10))
          .until(() -> forwardedSpans(forwarded), m -> m.size() == spans.size());
      Span root = sent.get("POST /reports");
      assertThat(root.getTraceId().toByteArray()).isEqualTo(spans.get(0).getSpanContext().getTraceIdBytes());
      assertThat(attribute(root, "agentmeter.trace.cost.amount").getDoubleValue())
          .isEqualTo(WorkflowSpans.TOTAL.doubleValue());
      assertThat(attribute(root, "agentmeter.trace.cost.agent.researcher").getDoubleValue())
          .isEqualTo(WorkflowSpans.RESEARCHER.doubleValue());
      Span chat = sent.get("chat gpt-4o");
      assertThat(attribute(chat, "agentmeter.cost.status").getStringValue()).isEqualTo("priced");
      assertThat(attribute(chat, "agentmeter.cost.amount").getDoubleValue()).isEqualTo(0.007375);
      assertThat(attribute(chat, "gen_ai.usage.input_tokens").getIntValue()).isEqualTo(2_000);
      assertThat(attribute(sent.get("chat acme-reviewer-7b"), "agentmeter.cost.reason")
          .getStringValue()).isEqualTo("model 'acme-reviewer-7b' is not in the price catalogue");
    } finally {
      backend.stop(0);
    }
  }

  record Response(int statusCode, JsonNode body) {}

  static Response get(Processor processor, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + processor.apiPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), JSON.readTree(response.body()));
  }

  private static Map<String, Span> forwardedSpans(List<ExportTraceServiceRequest> requests) {
    Map<String, Span> byName = new HashMap<>();
    for (ExportTraceServiceRequest request : requests) {
      for (ResourceSpans rs : request.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            byName.put(span.getName(), span);
          }
        }
      }
    }
    return byName;
  }

  private static io.opentelemetry.proto.common.v1.AnyValue attribute(Span span, String key) {
    for (KeyValue kv : span.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    throw new AssertionError("span '" + span.getName() + "' has no attribute " + key);
  }

  static BigDecimal decimal(String text) {
    return new BigDecimal(text);
  }
}
