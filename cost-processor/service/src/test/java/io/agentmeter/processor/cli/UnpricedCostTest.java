package io.agentmeter.processor.cli;

import static io.agentmeter.testing.otlp.OtlpPayloads.str;
import static io.agentmeter.testing.otlp.OtlpPayloads.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.agentmeter.processor.Processor;
import io.agentmeter.processor.cli.CliTest.Result;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No view shows an unknown cost as 0: a group whose spans are all unpriced, through the API and
 * {@code report}. Two traces: one with a gpt-4o-mini call of the planner (1,000 input and 100
 * output tokens: 1,000 x 0.15e-6 + 100 x 0.60e-6 = 0.00021) and two calls of a model no catalogue
 * knows, acme-llm (planner 300/30, writer 200/20); one with a single acme-llm call (writer 100/10).
 */
class UnpricedCostTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START = 1_764_000_000_000_000_000L;

  @TempDir Path dir;

  @Test
  void aGroupWithOnlyUnpricedSpansHasNoCostAndAPartlyPricedOneSaysWhatItLeavesOut()
      throws Exception {
    String ledger = dir.resolve("ledger.db").toString();
    try (Processor processor = Processor.builder().setLedger(ledger)
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(100)).start()) {
      send(processor, trace(1, call(2, "planner", "gpt-4o-mini", 1_000, 100),
          call(3, "planner", "acme-llm", 300, 30), call(4, "writer", "acme-llm", 200, 20)));
      send(processor, trace(2, call(2, "writer", "acme-llm", 100, 10)));
      await().atMost(Duration.ofSeconds(15)).until(
          () -> processor.costStore().trace(traceId(2)).isPresent()
              && processor.costStore().trace(traceId(1)).isPresent());

      JsonNode byModel = get(processor, "/api/v1/costs?groupBy=model").get("rows");
      assertThat(byModel).hasSize(2);
      assertThat(byModel.get(0).get("key").asText()).isEqualTo("gpt-4o-mini");
      assertThat(byModel.get(0).get("cost").decimalValue()).isEqualByComparingTo("0.00021");
      assertThat(byModel.get(0).get("unpricedSpans").asLong()).isZero();
      assertThat(byModel.get(1).get("key").asText()).isEqualTo("acme-llm");
      assertThat(byModel.get(1).get("cost").isNull()).isTrue();
      assertThat(byModel.get(1).get("spans").asLong()).isEqualTo(3);
      assertThat(byModel.get(1).get("unpricedSpans").asLong()).isEqualTo(3);
      assertThat(byModel.get(1).get("inputTokens").asLong()).isEqualTo(600);

      JsonNode byAgent = get(processor, "/api/v1/costs?groupBy=agent").get("rows");
      assertThat(byAgent.get(0).get("key").asText()).isEqualTo("planner");
      assertThat(byAgent.get(0).get("cost").decimalValue()).isEqualByComparingTo("0.00021");
      assertThat(byAgent.get(0).get("unpricedSpans").asLong()).isEqualTo(1);
      assertThat(byAgent.get(1).get("key").asText()).isEqualTo("writer");
      assertThat(byAgent.get(1).get("cost").isNull()).isTrue();
      assertThat(byAgent.get(1).get("unpricedSpans").asLong()).isEqualTo(2);

      JsonNode partly = get(processor, "/api/v1/traces/" + traceId(1));
      assertThat(partly.get("total").decimalValue()).isEqualByComparingTo("0.00021");
      assertThat(partly.get("unpricedSpans").asInt()).isEqualTo(2);
      assertThat(partly.get("byModel").fieldNames()).toIterable().containsExactly("gpt-4o-mini");
      JsonNode unknown = get(processor, "/api/v1/traces/" + traceId(2));
      assertThat(unknown.get("total").isNull()).isTrue();
      assertThat(unknown.get("unpricedSpans").asInt()).isEqualTo(1);
      assertThat(unknown.get("byAgent").size()).isZero();
      assertThat(unknown.get("spans").get(1).get("status").asText()).isEqualTo("unpriced");
      assertThat(unknown.get("spans").get(1).get("cost").isNull()).isTrue();
      JsonNode top = get(processor, "/api/v1/traces?sort=cost").get("traces");
      assertThat(top.get(0).get("total").decimalValue()).isEqualByComparingTo("0.00021");
      assertThat(top.get(1).get("traceId").asText()).isEqualTo(traceId(2));
      assertThat(top.get(1).get("total").isNull()).isTrue();
    }

    Result table = CliTest.run("report", "--ledger", ledger, "--by", "model");
    Result agents = CliTest.run("report", "--ledger", ledger, "--by", "agent");
    Result csv = CliTest.run("report", "--ledger", ledger, "--by", "model", "--format", "csv");
    Result json = CliTest.run("report", "--ledger", ledger, "--by", "trace", "--format", "json");
    Result unknownOnly = CliTest.run("report", "--ledger", ledger, "--by", "model",
        "--model", "acme-llm");

    assertThat(table.code()).as(table.err()).isZero();
    assertThat(table.out().lines().toList()).containsExactly(
        "model                            cost   spans     input tok    output tok",
        "gpt-4o-mini                   0.00021       1          1000           100",
        "acme-llm                     unpriced       3           600            60",
        "total            0.00021 + 3 unpriced       4                            ");
    assertThat(agents.out()).containsPattern("(?m)^planner\\s+0.00021 \\+ 1 unpriced\\s+2\\s+1300\\s+130$")
        .containsPattern("(?m)^writer\\s+unpriced\\s+2\\s+300\\s+30$");
    assertThat(csv.out().lines().toList()).containsExactly(
        "model,cost,spans,unpriced_spans,input_tokens,output_tokens",
        "gpt-4o-mini,0.00021,1,0,1000,100",
        "acme-llm,,3,3,600,60");
    JsonNode traces = JSON.readTree(json.out()).get("rows");
    assertThat(traces.get(0).get("key").asText()).isEqualTo(traceId(1));
    assertThat(traces.get(0).get("cost").decimalValue()).isEqualByComparingTo("0.00021");
    assertThat(traces.get(0).get("unpricedSpans").asLong()).isEqualTo(2);
    assertThat(traces.get(1).get("key").asText()).isEqualTo(traceId(2));
    assertThat(traces.get(1).get("cost").isNull()).isTrue();
    assertThat(unknownOnly.out()).containsPattern("(?m)^total\\s+unpriced\\s+3\\s*$");
  }

  private static ExportTraceServiceRequest trace(int n, Span.Builder... calls) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder()
        .addSpans(Span.newBuilder().setTraceId(id(n)).setSpanId(spanId(n, 1)).setName("POST /work")
            .setStartTimeUnixNano(START + n).setEndTimeUnixNano(START + 900_000));
    for (Span.Builder call : calls) {
      scope.addSpans(call.setTraceId(id(n)).setSpanId(spanId(n, call.getSpanId().byteAt(7)))
          .setParentSpanId(spanId(n, 1)));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "svc")))
        .addScopeSpans(scope)).build();
  }

  private static Span.Builder call(int n, String agent, String model, long input, long output) {
    return Span.newBuilder().setSpanId(spanId(0, n)).setName("chat " + model)
        .setStartTimeUnixNano(START + 10 + n).setEndTimeUnixNano(START + 800_000)
        .addAttributes(str("gen_ai.operation.name", "chat"))
        .addAttributes(str("gen_ai.request.model", model))
        .addAttributes(str("gen_ai.agent.name", agent))
        .addAttributes(num("gen_ai.usage.input_tokens", input))
        .addAttributes(num("gen_ai.usage.output_tokens", output));
  }

  private static ByteString id(int n) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x6bf92f3577b34da6L).putLong(n)
        .array());
  }

  private static String traceId(int n) {
    return HexFormat.of().formatHex(id(n).toByteArray());
  }

  private static ByteString spanId(int trace, int n) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putInt(trace).putInt(n).array());
  }

  private static void send(Processor processor, ExportTraceServiceRequest request)
      throws Exception {
    HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  private static JsonNode get(Processor processor, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + processor.apiPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

}
