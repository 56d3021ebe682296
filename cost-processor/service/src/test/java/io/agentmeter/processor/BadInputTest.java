package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a clear answer and loses nothing else: every case below is sent to one running
 * service, which must answer each with the right status and message and stay up.
 */
class BadInputTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIMIT = 4 * 1024 * 1024;
  private static Processor processor;
  private static int next = 1;

  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    processor = Processor.builder().setLedger(dir.resolve("ledger.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(100)).setMaxBodyBytes(LIMIT).start();
  }

  @AfterAll
  static void stop() {
    processor.close();
  }

  @Test
  void truncatedProtobufIsA400SayingSo() throws Exception {
    byte[] whole = request(span(traceId(), "chat", attr("gen_ai.request.model", "gpt-4o"))).toByteArray();
    byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 7);

    HttpResponse<String> response = post(truncated, "application/x-protobuf", null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("body is not a valid OTLP protobuf ExportTraceServiceRequest");
    assertServiceStillWorks();
  }

  @Test
  void invalidJsonIsA400SayingSo() throws Exception {
    HttpResponse<String> response =
        post("{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8), "application/json", null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("body is not valid JSON");
    assertServiceStillWorks();
  }

  @Test
  void nonHexIdsInJsonAreA400NamingTheField() throws Exception {
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\","
        + "\"spanId\":\"00f067aa0ba902b7\",\"name\":\"x\"}]}]}]}";

    HttpResponse<String> response = post(body.getBytes(StandardCharsets.UTF_8), "application/json", null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith("resourceSpans[0].scopeSpans[0].spans[0].traceId is not hex: 'zz'");
  }

  @Test
  void wrongIdLengthsRejectOnlyThoseSpansWithPartialSuccess() throws Exception {
    String good = traceId();
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        + "{\"traceId\":\"abcd\",\"spanId\":\"00f067aa0ba902b7\",\"name\":\"short trace id\"},"
        + "{\"traceId\":\"" + good + "\",\"spanId\":\"00f067\",\"name\":\"short span id\"},"
        + "{\"traceId\":\"" + good + "\",\"spanId\":\"00f067aa0ba902b7\",\"name\":\"fine\","
        + "\"kind\":1,\"unknownField\":{\"ignored\":true}}]}]}]}";

    HttpResponse<String> response = post(body.getBytes(StandardCharsets.UTF_8), "application/json", null);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode partial = JSON.readTree(response.body()).get("partialSuccess");
    assertThat(partial.get("rejectedSpans").asLong()).isEqualTo(2);
    assertThat(partial.get("errorMessage").asText())
        .contains("('short trace id') rejected: trace_id must be 16 bytes, got 2")
        .contains("('short span id') rejected: span_id must be 8 bytes, got 3");
    assertThat(statusOf(good)).isEqualTo("not_billable");
  }

  @Test
  void badTokenCountsAreStoredUnpricedWithTheReasonAndReported() throws Exception {
    String trace = traceId();
    ExportTraceServiceRequest request = request(
        span(trace, "strings", model("gpt-4o"), attr("gen_ai.usage.input_tokens", "100"),
            intAttr("gen_ai.usage.output_tokens", 5)),
        span(trace, "negative", model("gpt-4o"), intAttr("gen_ai.usage.input_tokens", -5),
            intAttr("gen_ai.usage.output_tokens", 5)),
        span(trace, "wrapped 2^63", model("gpt-4o"), intAttr("gen_ai.usage.input_tokens", Long.MIN_VALUE),
            intAttr("gen_ai.usage.output_tokens", 5)),
        span(trace, "nan", model("gpt-4o"), doubleAttr("gen_ai.usage.input_tokens", Double.NaN),
            intAttr("gen_ai.usage.output_tokens", 5)),
        span(trace, "unknown model", model("no-such-model"), intAttr("gen_ai.usage.input_tokens", 10),
            intAttr("gen_ai.usage.output_tokens", 5)),
        span(trace, "no model", intAttr("gen_ai.usage.input_tokens", 10),
            intAttr("gen_ai.usage.output_tokens", 5)));

    HttpResponse<String> response = post(request.toByteArray(), "application/x-protobuf", null);

    assertThat(response.statusCode()).isEqualTo(200);
    var parsed = io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse
        .parseFrom(response.body().getBytes(StandardCharsets.ISO_8859_1));
    assertThat(parsed.getPartialSuccess().getRejectedSpans()).isZero();
    assertThat(parsed.getPartialSuccess().getErrorMessage()).contains("accepted but unpriced");
    JsonNode stored = trace(trace);
    assertThat(stored.get("unpricedSpans").asInt()).isEqualTo(6);
    assertThat(stored.get("total").isNull()).isTrue(); // nothing priced: unknown, not 0
    assertThat(reason(stored, "strings")).startsWith("bad usage data:").contains("gen_ai.usage.input_tokens");
    assertThat(reason(stored, "negative")).startsWith("bad usage data:").contains("-5");
    assertThat(reason(stored, "wrapped 2^63")).startsWith("bad usage data:");
    assertThat(reason(stored, "nan")).startsWith("bad usage data:");
    assertThat(reason(stored, "unknown model"))
        .isEqualTo("model 'no-such-model' is not in the price catalogue");
    assertThat(reason(stored, "no model")).startsWith("no model name");
  }

  @Test
  void tokenCountBeyondInt64InJsonIsA400NamingTheValue() throws Exception {
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + traceId()
        + "\",\"spanId\":\"00f067aa0ba902b7\",\"name\":\"x\",\"attributes\":[{\"key\":"
        + "\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"9223372036854775808\"}}]}]}]}]}";

    HttpResponse<String> response = post(body.getBytes(StandardCharsets.UTF_8), "application/json", null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("body is not a valid OTLP/JSON").contains("9223372036854775808");
  }

  @Test
  void aFiftyMegabyteBodyIsA413WithoutBeingRead() throws Exception {
    byte[] big = new byte[50 * 1024 * 1024];

    HttpResponse<String> response = post(big, "application/x-protobuf", null);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("exceeds the limit of " + LIMIT + " bytes");
    assertServiceStillWorks();
  }

  @Test
  void aDeclaredLengthOverTheLimitIsA413BeforeAnyOfTheBodyIsSent() throws Exception {
    int declared = LIMIT + 1;
    try (java.net.Socket socket = RawHttp.send(processor.otlpHttpPort(),
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: " + declared + "\r\n\r\n")) {
      // the headers alone are answered (well before any timeout), and the connection closed
      String answer = RawHttp.readUntilClosed(socket, 3_000);

      assertThat(answer).startsWith("HTTP/1.1 413 Request Entity Too Large\r\n")
          .contains("connection: close")
          .endsWith("\r\n\r\nbody of " + declared + " bytes exceeds the limit of " + LIMIT + " bytes\n");
    }
    assertServiceStillWorks();
  }

  @Test
  void expectContinueOverTheLimitIsA413InsteadOfAContinue() throws Exception {
    try (java.net.Socket socket = RawHttp.send(processor.otlpHttpPort(),
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: 50000000\r\nExpect: 100-continue\r\n\r\n")) {
      String answer = RawHttp.readUntilClosed(socket, 3_000);

      assertThat(answer).startsWith("HTTP/1.1 413 ").doesNotContain("100 Continue")
          .endsWith("body of 50000000 bytes exceeds the limit of " + LIMIT + " bytes\n");
    }
  }

  @Test
  void expectContinueWithinTheLimitIsInvitedAndStored() throws Exception {
    String trace = traceId();
    byte[] body = request(span(trace, "continued", model("gpt-4o"),
        intAttr("gen_ai.usage.input_tokens", 2_000), intAttr("gen_ai.usage.output_tokens", 0)))
        .toByteArray();
    try (java.net.Socket socket = RawHttp.send(processor.otlpHttpPort(),
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\n\r\n")) {
      assertThat(RawHttp.readHead(socket, 3_000)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      socket.getOutputStream().write(body);

      assertThat(RawHttp.readResponse(socket, 10_000)).startsWith("HTTP/1.1 200 OK\r\n")
          .contains("content-type: application/x-protobuf");
    }
    assertThat(trace(trace).get("total").decimalValue()).isEqualByComparingTo("0.005");
  }

  @Test
  void aGzipBombIsA413AfterInflatingNoMoreThanTheLimit() throws Exception {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      byte[] zeros = new byte[1024 * 1024];
      for (int i = 0; i < 1024; i++) {
        gzip.write(zeros); // 1 GiB of zeros
      }
    }
    assertThat(compressed.size()).isLessThan(LIMIT);

    HttpResponse<String> response = post(compressed.toByteArray(), "application/x-protobuf", "gzip");

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).isEqualTo("decompressed body exceeds the limit of " + LIMIT + " bytes\n");
    assertServiceStillWorks();
  }

  @Test
  void gzipThatIsNotGzipIsA400() throws Exception {
    HttpResponse<String> response = post(new byte[] {1, 2, 3, 4}, "application/x-protobuf", "gzip");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).startsWith("body is not valid gzip");
  }

  @Test
  void anUnsupportedContentTypeIsA415() throws Exception {
    HttpResponse<String> response = post(new byte[] {1}, "text/plain", null);

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.body()).contains("application/x-protobuf or application/json");
  }

  private static void assertServiceStillWorks() throws Exception {
    String trace = traceId();
    HttpResponse<String> ok = post(request(span(trace, "after", model("gpt-4o"),
        intAttr("gen_ai.usage.input_tokens", 1_000), intAttr("gen_ai.usage.output_tokens", 0)))
        .toByteArray(), "application/x-protobuf", null);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(trace(trace).get("total").decimalValue()).isEqualByComparingTo("0.0025");
  }

  private static String statusOf(String traceId) throws Exception {
    return trace(traceId).get("spans").get(0).get("status").asText();
  }

  private static String reason(JsonNode trace, String name) {
    for (JsonNode span : trace.get("spans")) {
      if (span.get("name").asText().equals(name)) {
        return span.get("reason").asText();
      }
    }
    throw new AssertionError("no span " + name);
  }

  private static JsonNode trace(String traceId) {
    return await().atMost(Duration.ofSeconds(10)).until(() -> {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + processor.apiPort() + "/api/v1/traces/" + traceId)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }, node -> node != null);
  }

  private static HttpResponse<String> post(byte[] body, String type, String encoding)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
        .header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (encoding != null) {
      request.header("Content-Encoding", encoding);
    }
    return HTTP.send(request.build(),
        HttpResponse.BodyHandlers.ofString(type.contains("json") || type.startsWith("text")
            ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
  }

  private static synchronized String traceId() {
    return String.format(Locale.ROOT, "4bf92f3577b34da6a3ce9290%08x", next++);
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span span : spans) {
      scope.addSpans(span);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build();
  }

  private static int spanCounter = 1;

  private static synchronized Span span(String traceId, String name, KeyValue... attributes) {
    long start = 1_764_000_000_000_000_000L;
    Span.Builder span = Span.newBuilder()
        .setTraceId(com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex(traceId)))
        .setSpanId(com.google.protobuf.ByteString.copyFrom(
            HexFormat.of().parseHex(String.format(Locale.ROOT, "%016x", spanCounter++))))
        .setName(name)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 1_000_000);
    span.addAttributes(attr("gen_ai.operation.name", "chat"));
    for (KeyValue a : attributes) {
      span.addAttributes(a);
    }
    return span.build();
  }

  private static KeyValue model(String model) {
    return attr("gen_ai.request.model", model);
  }

  private static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue intAttr(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  private static KeyValue doubleAttr(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
  }
}
