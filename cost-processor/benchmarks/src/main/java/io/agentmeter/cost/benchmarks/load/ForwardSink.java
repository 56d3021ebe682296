package io.agentmeter.cost.benchmarks.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;

/**
 * Where the service forwards costed spans during a load run: an OTLP/HTTP endpoint on loopback
 * that decodes every request it gets with protobuf (as a Collector, Jaeger or Tempo would) and
 * counts the spans in it, so the run pays for forwarding as a real deployment does and can check
 * that every acknowledged span went on.
 */
final class ForwardSink implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService workers;
  private final LongAdder requests = new LongAdder();
  private final LongAdder decoded = new LongAdder();
  private final LongAdder undecodable = new LongAdder();
  private final LongAdder spans = new LongAdder();
  private final LongAdder bytes = new LongAdder();

  private ForwardSink(HttpServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
  }

  /** A sink listening on a free loopback port, answering on {@code threads} threads. */
  static ForwardSink start(int threads) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "forward-sink");
      t.setDaemon(true);
      return t;
    });
    ForwardSink sink = new ForwardSink(server, workers);
    server.createContext("/v1/traces", sink::handle);
    server.setExecutor(workers);
    server.start();
    return sink;
  }

  /** The base URL to give {@code serve --forward}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests received. */
  long requests() {
    return requests.sum();
  }

  /** Requests decoded as an {@code ExportTraceServiceRequest}. */
  long decoded() {
    return decoded.sum();
  }

  /** Requests that were not protobuf (or not gzip when they said they were), answered 400. */
  long undecodable() {
    return undecodable.sum();
  }

  /** Spans in the decoded requests. */
  long spans() {
    return spans.sum();
  }

  /** Bytes received, as they came (compressed when they were). */
  long bytes() {
    return bytes.sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      if (!exchange.getRequestMethod().equals("POST")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      requests.increment();
      bytes.add(body.length);
      ExportTraceServiceRequest request;
      try {
        request = ExportTraceServiceRequest.parseFrom(
            "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                ? gunzip(body) : body);
      } catch (IOException e) { // InvalidProtocolBufferException, or a broken gzip stream
        undecodable.increment();
        byte[] message = ("not an OTLP protobuf ExportTraceServiceRequest: " + e.getMessage())
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(400, message.length);
        exchange.getResponseBody().write(message);
        return;
      }
      decoded.increment();
      spans.add(count(request));
      byte[] response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
      if (response.length > 0) {
        exchange.getResponseBody().write(response);
      }
    } finally {
      exchange.close();
    }
  }

  private static byte[] gunzip(byte[] body) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    }
  }

  private static long count(ExportTraceServiceRequest request) {
    long n = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdown();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
