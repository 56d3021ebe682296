package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.agentmeter.testing.otlp.WorkflowSpans;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetSocketAddress;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardingTest {

  @TempDir Path dir;

  @Test
  void costedSpansGoOnOverGrpcWithTheirIdsAndTraceTotals() throws Exception {
    List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
    Server backend = backend(received);
    try (Processor processor = start("grpc://127.0.0.1:" + backend.getPort())) {
      List<SpanData> spans = WorkflowSpans.make("acme");
      send(processor, spans);

      await().atMost(Duration.ofSeconds(15)).until(() -> count(received) == spans.size());
      var root = received.stream().flatMap(r -> r.getResourceSpansList().stream())
          .flatMap(rs -> rs.getScopeSpansList().stream()).flatMap(ss -> ss.getSpansList().stream())
          .filter(s -> s.getName().equals("POST /reports")).findFirst().orElseThrow();
      assertThat(root.getSpanId().toByteArray()).isEqualTo(
          spans.stream().filter(s -> s.getName().equals("POST /reports")).findFirst().orElseThrow()
              .getSpanContext().getSpanIdBytes());
      assertThat(attribute(root.getAttributesList(), "agentmeter.trace.cost.amount"))
          .hasValueSatisfying(v -> assertThat(v.getDoubleValue()).isEqualTo(0.007825));
    } finally {
      backend.shutdownNow();
    }
  }

  @Test
  void aSpanWithAMalformedPartTheReceiverDoesNotReadIsCostedAndOnlyThatSpanIsNotForwarded()
      throws Exception {
    List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
    Server backend = backend(received);
    try (Processor processor = start("grpc://127.0.0.1:" + backend.getPort())) {
      // three calls; the second carries an HTTP attribute whose value is not valid UTF-8
      ExportTraceServiceRequest.Builder request = OtlpPayloads.trace(810_001, 3).toBuilder();
      request.getResourceSpansBuilder(0).getScopeSpansBuilder(0).getSpansBuilder(2)
          .addAttributes(KeyValue.newBuilder().setKey("http.response.reason")
              .setValue(AnyValue.newBuilder().setStringValue("MALFORMED")));
      byte[] body = request.build().toByteArray();
      byte[] marker = "MALFORMED".getBytes(StandardCharsets.US_ASCII);
      int at = indexOf(body, marker);
      body[at + marker.length - 1] = (byte) 0xFF;
      HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
          .header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(response.statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(15)).until(() -> count(received) == 3);
      assertThat(processor.metrics().forwardDroppedCount()).isEqualTo(1);
      assertThat(received.stream().flatMap(r -> r.getResourceSpansList().stream())
          .flatMap(rs -> rs.getScopeSpansList().stream()).flatMap(ss -> ss.getSpansList().stream())
          .map(span -> span.getSpanId()))
          .doesNotContain(request.getResourceSpans(0).getScopeSpans(0).getSpans(2).getSpanId());
      assertThat(processor.costStore().trace(OtlpPayloads.traceIdHex(810_001)).orElseThrow().total())
          .isEqualByComparingTo(OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(3)));
    } finally {
      backend.shutdownNow();
    }
  }

  @Test
  void forwardedSpansAreTheReceivedOnesWithTheCostAttributesAppended() throws Exception {
    List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    backend.createContext("/v1/traces", exchange -> {
      try (exchange) {
        received.add(ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes()));
        exchange.sendResponseHeaders(200, -1);
      }
    });
    backend.start();
    try (Processor processor = start("http://127.0.0.1:" + backend.getAddress().getPort())) {
      // what the receiver does not read comes too: events, links, a status message, fields this
      // protobuf version does not know
      UnknownFieldSet unknown = UnknownFieldSet.newBuilder().addField(1_000,
          UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x"))
              .addVarint(7).build()).build();
      ExportTraceServiceRequest.Builder request = OtlpPayloads.trace(820_001, 2).toBuilder();
      request.getResourceSpansBuilder(0).getResourceBuilder().setUnknownFields(unknown);
      for (Span.Builder span : request.getResourceSpansBuilder(0).getScopeSpansBuilder(0)
          .getSpansBuilderList()) {
        span.addEvents(Span.Event.newBuilder().setName("retry").setTimeUnixNano(3)
                .addAttributes(KeyValue.newBuilder().setKey("attempt")
                    .setValue(AnyValue.newBuilder().setIntValue(2))))
            .addLinks(Span.Link.newBuilder().setTraceId(span.getTraceId())
                .setSpanId(span.getSpanId()).setTraceState("k=v"))
            .setStatus(Status.newBuilder().setMessage("fine"))
            .setUnknownFields(unknown);
      }
      HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
          .header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(request.build().toByteArray())).build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(response.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> count(received) == 3);

      ResourceSpans sent = request.getResourceSpans(0);
      for (ResourceSpans rs : received.stream().flatMap(r -> r.getResourceSpansList().stream())
          .toList()) {
        assertThat(rs.getResource()).isEqualTo(sent.getResource());
        assertThat(rs.getScopeSpans(0).getScope()).isEqualTo(sent.getScopeSpans(0).getScope());
        Span forwarded = rs.getScopeSpans(0).getSpans(0);
        Span original = sent.getScopeSpans(0).getSpansList().stream()
            .filter(s -> s.getSpanId().equals(forwarded.getSpanId())).findFirst().orElseThrow();
        int kept = original.getAttributesCount();
        assertThat(forwarded.toBuilder().clearAttributes()
            .addAllAttributes(forwarded.getAttributesList().subList(0, kept)).build())
            .isEqualTo(original);
        assertThat(forwarded.getAttributesList().subList(kept, forwarded.getAttributesCount()))
            .extracting(KeyValue::getKey)
            .allSatisfy(key -> assertThat(key).matches("agentmeter\\.(cost|trace)\\..*"))
            .contains(original.getParentSpanId().isEmpty() ? "agentmeter.trace.cost.amount"
                : "agentmeter.cost.amount");
      }
    } finally {
      backend.stop(0);
    }
  }

  @Test
  void closingRightAfterASendForwardsOrCountsEverySpanStored() throws Exception {
    List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    backend.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    backend.createContext("/v1/traces", exchange -> {
      try (exchange) {
        Thread.sleep(100); // a slow backend
        received.add(ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes()));
        exchange.sendResponseHeaders(200, -1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    backend.start();
    Processor processor = start("http://127.0.0.1:" + backend.getAddress().getPort());
    try {
      for (int t = 0; t < 40; t++) {
        HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .POST(HttpRequest.BodyPublishers.ofByteArray(
                OtlpPayloads.trace(830_000 + t, 4).toByteArray())).build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(200);
      }
    } finally {
      processor.close(); // rolls up the open traces, forwards them, drains the forwarder
      backend.stop(0);
    }
    assertThat(processor.metrics().forwardDroppedCount()).isZero();
    assertThat(count(received)).isEqualTo(40 * 5);
    assertThat(processor.metrics().forwardedCount()).isEqualTo(200);
  }

  private static Server backend(List<ExportTraceServiceRequest> received) throws Exception {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest request,
              StreamObserver<ExportTraceServiceResponse> response) {
            received.add(request);
            response.onNext(ExportTraceServiceResponse.getDefaultInstance());
            response.onCompleted();
          }
        }).build().start();
  }

  private static int indexOf(byte[] bytes, byte[] pattern) {
    outer:
    for (int i = 0; i <= bytes.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (bytes[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("pattern not found");
  }

  @Test
  void aBackendThatIsDownNeitherBlocksIngestNorLosesLedgerDataAndDropsAreCounted() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (Processor processor = start("http://127.0.0.1:" + closedPort)) {
      List<SpanData> spans = WorkflowSpans.make("globex");
      send(processor, spans);

      assertThat(StoredSpans.count(processor.costStore(), processor.requestLog()))
          .isEqualTo(spans.size());
      await().atMost(Duration.ofSeconds(30))
          .until(() -> processor.metrics().forwardDroppedCount() == spans.size());
      assertThat(processor.costStore().trace(spans.get(0).getTraceId())).isPresent();
    }
  }

  private Processor start(String forward) throws Exception {
    return Processor.builder().setLedger(dir.resolve("l-" + System.nanoTime() + ".db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(100)).setForward(forward).start();
  }

  private static void send(Processor processor, List<SpanData> spans) {
    try (OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces").build()) {
      assertThat(exporter.export(spans).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  private static long count(List<ExportTraceServiceRequest> requests) {
    return requests.stream().flatMap(r -> r.getResourceSpansList().stream())
        .flatMap(rs -> rs.getScopeSpansList().stream()).mapToLong(ss -> ss.getSpansCount()).sum();
  }

  private static Optional<io.opentelemetry.proto.common.v1.AnyValue> attribute(List<KeyValue> list,
      String key) {
    return list.stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue).findFirst();
  }
}
