package io.agentmeter.processor.forward;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OTLP/HTTP endpoint on loopback, as a backend is: the JDK's HTTP server (HTTP/1.1 only),
 * decoding every request with protobuf, answering as told.
 */
final class OtlpHttpReceiver implements AutoCloseable {

  /** How the receiver answers its {@code n}th request (from 0). */
  interface Answer {
    Response answer(int n, ExportTraceServiceRequest request) throws Exception;
  }

  record Response(int status, Map<String, String> headers, byte[] body) {
    static Response ok() {
      return new Response(200, Map.of(), new byte[0]);
    }
  }

  /** A request as it came, and what it was answered. */
  record Received(long nanos, String protocol, boolean upgrade, ExportTraceServiceRequest request,
      int status) {

    List<Span> spans() {
      return OtlpHttpReceiver.spans(request);
    }
  }

  private final HttpServer server;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "otlp-receiver");
    t.setDaemon(true);
    return t;
  });
  private final Answer answer;
  private final AtomicInteger requests = new AtomicInteger();
  /** Requests answered, in the order they were. */
  final List<Received> received = new CopyOnWriteArrayList<>();
  /** Requests taken in and not answered yet. */
  final AtomicInteger waiting = new AtomicInteger();

  OtlpHttpReceiver(Answer answer) throws IOException {
    this.answer = answer;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/v1/traces", this::handle);
    server.setExecutor(workers);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Spans of the requests answered 2xx. */
  List<Span> accepted() {
    return received.stream().filter(r -> r.status() / 100 == 2)
        .flatMap(r -> r.spans().stream()).toList();
  }

  static List<Span> spans(ExportTraceServiceRequest request) {
    return request.getResourceSpansList().stream()
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream()).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
      int n = requests.getAndIncrement();
      waiting.incrementAndGet();
      Response response;
      try {
        response = answer.answer(n, request);
      } catch (Exception e) {
        response = new Response(500, Map.of(), new byte[0]);
      } finally {
        waiting.decrementAndGet();
      }
      received.add(new Received(System.nanoTime(), exchange.getProtocol(),
          exchange.getRequestHeaders().containsKey("Upgrade"), request, response.status()));
      response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(response.status(),
          response.body().length == 0 ? -1 : response.body().length);
      if (response.body().length > 0) {
        exchange.getResponseBody().write(response.body());
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }
}
