package io.agentmeter.processor.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.agentmeter.processor.forward.OtlpHttpReceiver.Received;
import io.agentmeter.processor.forward.OtlpHttpReceiver.Response;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.otlp.SpanConverter;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ForwarderTest {

  private static final Map<String, Object> COST = Map.of("agentmeter.cost.status", "priced");

  private final Metrics metrics = new Metrics();

  @Test
  void tracesWaitingAreMergedIntoFewRequestsAndEverySpanArrivesOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) -> {
      release.await(); // the first requests wait, and traces pile up behind them
      return Response.ok();
    }); Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(100_000, 500, 2, 10))) {
      List<List<OutgoingSpan>> traces = traces(300, 9); // 300 traces of 10 spans
      for (List<OutgoingSpan> trace : traces) {
        forwarder.send(trace); // one trace at a time, as rollups are stored
      }
      release.countDown();
      await().atMost(Duration.ofSeconds(20)).until(() -> forwarded() == 3_000);

      List<Span> spans = backend.accepted();
      assertThat(spans).hasSize(3_000);
      assertThat(spans.stream().map(Span::getSpanId).distinct()).hasSize(3_000);
      assertThat(spans.stream().map(Span::getSpanId).toList())
          .containsExactlyInAnyOrderElementsOf(spanIds(traces));
      // two requests (one per sender) went before the rest were waiting; the 2,000 to 2,980 spans
      // behind them went in requests of 500 (the last one less): 4 to 6 more
      assertThat(backend.received).hasSizeBetween(6, 8);
      assertThat(backend.received).allSatisfy(r -> assertThat(r.spans()).hasSizeLessThanOrEqualTo(500));
      assertThat(backend.received.stream().mapToLong(r -> r.request().getResourceSpansCount()).max())
          .hasValue(500); // one resource_spans per span: many traces to a request
      // the cost attributes are on the calls (and only there), after what came with them
      Span call = spans.stream().filter(s -> s.getName().startsWith("chat")).findFirst().orElseThrow();
      assertThat(call.getAttributesList().get(call.getAttributesCount() - 1).getKey())
          .isEqualTo("agentmeter.cost.status");
      assertThat(spans.stream().filter(s -> s.getName().equals("POST /work")))
          .allSatisfy(s -> assertThat(s.getAttributesList()).extracting(KeyValue::getKey)
              .containsExactly("agentmeter.client.id"));
      // HTTP/1.1 from the start: no request asked to upgrade to h2c
      assertThat(backend.received).allSatisfy(r -> {
        assertThat(r.protocol()).isEqualTo("HTTP/1.1");
        assertThat(r.upgrade()).isFalse();
      });
      assertThat(metrics.forwardDroppedCount()).isZero();
    }
  }

  @Test
  void aBackendThatDoesNotAnswerFillsTheQueueAndWhatDoesNotFitIsDroppedAndCountedExactly()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) -> {
      release.await();
      return Response.ok();
    }); Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(1_000, 100, 2, 30))) {
      List<List<OutgoingSpan>> traces = traces(500, 9);
      forwarder.send(traces.get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.waiting.get() == 1);
      forwarder.send(traces.get(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.waiting.get() == 2);
      // both senders wait on the backend with a trace each; 100 traces fill the queue
      for (List<OutgoingSpan> trace : traces.subList(2, 500)) {
        forwarder.send(trace);
      }
      assertThat(metrics.forwardDroppedCount()).isEqualTo(398 * 10);

      release.countDown();
      await().atMost(Duration.ofSeconds(20)).until(() -> forwarded() == 1_020);
      Thread.sleep(200); // nothing more comes
      assertThat(backend.accepted()).hasSize(1_020);
      assertThat(forwarded() + metrics.forwardDroppedCount()).isEqualTo(5_000);
      assertThat(backend.accepted().stream().map(Span::getSpanId).toList())
          .containsExactlyInAnyOrderElementsOf(spanIds(traces.subList(0, 102)));
    }
  }

  @Test
  void closeGivesUpOnABackendThatNeverAnswersWithinItsBoundAndCountsEveryUndeliveredSpan()
      throws Exception {
    List<Socket> connections = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            connections.add(silent.accept()); // and never read or answer
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Forwarder forwarder = new Forwarder("http://127.0.0.1:" + silent.getLocalPort(), metrics,
          new Forwarder.Settings(10_000, 100, 4_000_000, 2, Duration.ofSeconds(60),
              Duration.ofSeconds(1)));
      for (List<OutgoingSpan> trace : traces(300, 9)) {
        forwarder.send(trace);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> connections.size() == 2);

      long start = System.nanoTime();
      forwarder.close();
      long took = System.nanoTime() - start;

      assertThat(Duration.ofNanos(took)).isBetween(Duration.ofMillis(900), Duration.ofMillis(2_500));
      assertThat(forwarded()).isZero();
      assertThat(metrics.forwardDroppedCount()).isEqualTo(3_000);
      forwarder.send(traces(1, 9).get(0)); // after close: counted too
      assertThat(metrics.forwardDroppedCount()).isEqualTo(3_010);
      for (Socket s : connections) {
        s.close();
      }
    }
  }

  @Test
  void closeSendsWhatIsQueuedBeforeItReturns() throws Exception {
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) -> {
      Thread.sleep(50); // a slow backend
      return Response.ok();
    })) {
      Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(100_000, 100, 2, 10));
      for (List<OutgoingSpan> trace : traces(200, 9)) {
        forwarder.send(trace);
      }
      forwarder.close();
      assertThat(forwarded()).isEqualTo(2_000);
      assertThat(metrics.forwardDroppedCount()).isZero();
      assertThat(backend.accepted()).hasSize(2_000);
    }
  }

  @Test
  void a503WithRetryAfterIsSentAgainOnceTheBackendAskedAndNotBefore() throws Exception {
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) -> n == 0
        ? new Response(503, Map.of("Retry-After", "1"), new byte[0]) : Response.ok());
        Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(1_000, 100, 2, 10))) {
      forwarder.send(traces(1, 3).get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> forwarded() == 4);

      assertThat(backend.received).hasSize(2);
      Received refused = backend.received.get(0);
      Received taken = backend.received.get(1);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(taken.request()).isEqualTo(refused.request());
      // the first backoff is 200 ms; Retry-After asked for a second
      assertThat(Duration.ofNanos(taken.nanos() - refused.nanos())).isGreaterThan(Duration.ofMillis(950));
      assertThat(metrics.forwardDroppedCount()).isZero();
    }
  }

  @Test
  void spansTheBackendSaysItRejectedAreCountedAsDropped() throws Exception {
    byte[] partial = ExportTraceServiceResponse.newBuilder().setPartialSuccess(
        ExportTracePartialSuccess.newBuilder().setRejectedSpans(3).setErrorMessage("too old"))
        .build().toByteArray();
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) ->
        new Response(200, Map.of(), partial));
        Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(1_000, 100, 2, 10))) {
      forwarder.send(traces(1, 9).get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> metrics.forwardDroppedCount() == 3);
      assertThat(forwarded()).isEqualTo(7);
    }
  }

  @Test
  void aRefusedRequestIsNotSentAgainAndItsSpansAreCounted() throws Exception {
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) ->
        new Response(400, Map.of(), new byte[0]));
        Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(1_000, 100, 2, 10))) {
      forwarder.send(traces(1, 9).get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> metrics.forwardDroppedCount() == 10);
      Thread.sleep(500); // past the first backoff
      assertThat(backend.received).hasSize(1);
      assertThat(forwarded()).isZero();
    }
  }

  @Test
  void aSpanABackendWouldNotParseIsDroppedAloneAndTheRestOfItsRequestGoes() throws Exception {
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) -> Response.ok());
        Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(1_000, 100, 2, 10))) {
      List<OutgoingSpan> trace = new ArrayList<>(traces(1, 3).get(0));
      OutgoingSpan bad = trace.get(2);
      byte[] cut = java.util.Arrays.copyOf(bad.payload(), bad.payload().length - 3);
      trace.set(2, new OutgoingSpan(bad.traceId(), bad.spanId(), cut, bad.attributes()));
      forwarder.send(trace);
      await().atMost(Duration.ofSeconds(10)).until(() -> forwarded() == 3);
      assertThat(metrics.forwardDroppedCount()).isEqualTo(1);
      assertThat(backend.received).hasSize(1);
      assertThat(backend.accepted()).extracting(Span::getSpanId).doesNotContain(
          id(bad.spanId()));
    }
  }

  @Test
  void aTraceLargerThanARequestIsSplit() throws Exception {
    try (OtlpHttpReceiver backend = new OtlpHttpReceiver((n, request) -> Response.ok());
        Forwarder forwarder = new Forwarder(backend.url(), metrics, settings(10_000, 100, 1, 10))) {
      forwarder.send(traces(1, 249).get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> forwarded() == 250);
      assertThat(backend.received).extracting(r -> r.spans().size())
          .containsExactly(100, 100, 50);
    }
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDate() {
    Clock clock = Clock.fixed(Instant.parse("2026-12-08T10:00:00Z"), ZoneOffset.UTC);
    assertThat(HttpTransport.retryAfter(Optional.of("120"), clock)).isEqualTo(Duration.ofSeconds(120));
    assertThat(HttpTransport.retryAfter(Optional.of(" 0 "), clock)).isEqualTo(Duration.ZERO);
    assertThat(HttpTransport.retryAfter(Optional.of("Tue, 08 Dec 2026 10:00:30 GMT"), clock))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(HttpTransport.retryAfter(Optional.of("Tue, 08 Dec 2026 09:00:00 GMT"), clock))
        .isEqualTo(Duration.ZERO);
    assertThat(HttpTransport.retryAfter(Optional.of("-5"), clock)).isNull();
    assertThat(HttpTransport.retryAfter(Optional.of("soon"), clock)).isNull();
    assertThat(HttpTransport.retryAfter(Optional.empty(), clock)).isNull();
  }

  @Test
  void plainHttpSpeaksHttp11AndHttpsNegotiatesHttp2() {
    assertThat(new HttpTransport(URI.create("http://127.0.0.1:4318/v1/traces"),
        Duration.ofSeconds(1), Clock.systemUTC()).version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(new HttpTransport(URI.create("https://collector.example:4318/v1/traces"),
        Duration.ofSeconds(1), Clock.systemUTC()).version()).isEqualTo(HttpClient.Version.HTTP_2);
  }

  static Forwarder.Settings settings(int queueSpans, int requestSpans, int senders,
      int requestTimeoutSeconds) {
    return new Forwarder.Settings(queueSpans, requestSpans, 4_000_000, senders,
        Duration.ofSeconds(requestTimeoutSeconds), Duration.ofSeconds(10));
  }

  /**
   * Traces as the receiver stores them: a root and {@code calls} LLM calls, each call with a cost
   * attribute to add.
   */
  static List<List<OutgoingSpan>> traces(int count, int calls) throws Exception {
    List<List<OutgoingSpan>> traces = new ArrayList<>();
    for (int t = 0; t < count; t++) {
      List<OutgoingSpan> trace = new ArrayList<>();
      for (IncomingSpan span : SpanConverter.convert(
          OtlpPayloads.trace(t, calls).toByteArray()).spans()) {
        boolean call = span.record().name().startsWith("chat");
        trace.add(new OutgoingSpan(span.record().traceId(), span.record().spanId(),
            span.payload(), call ? COST : Map.of()));
      }
      traces.add(trace);
    }
    return traces;
  }

  static List<ByteString> spanIds(List<List<OutgoingSpan>> traces) {
    return traces.stream().flatMap(List::stream).map(s -> id(s.spanId()))
        .toList();
  }

  private static ByteString id(String hex) {
    return ByteString.copyFrom(java.util.HexFormat.of().parseHex(hex));
  }

  private long forwarded() {
    return metrics.forwardedCount();
  }
}
