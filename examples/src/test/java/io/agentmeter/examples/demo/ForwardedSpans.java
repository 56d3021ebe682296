package io.agentmeter.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Stands in for Jaeger or Tempo: an OTLP/HTTP receiver that decodes what the processor forwards. */
final class ForwardedSpans implements AutoCloseable {

  private final HttpServer server;
  private final List<Span> spans = new CopyOnWriteArrayList<>();

  private ForwardedSpans(HttpServer server) {
    this.server = server;
  }

  static ForwardedSpans start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ForwardedSpans received = new ForwardedSpans(server);
    server.createContext("/v1/traces", received::receive);
    server.start();
    return received;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void receive(HttpExchange exchange) throws IOException {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans.addAll(ss.getSpansList());
      }
    }
    exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  /** The attributes of each root span, by hex trace id. */
  Map<String, Map<String, Object>> roots() {
    Map<String, Map<String, Object>> roots = new HashMap<>();
    for (Span span : spans) {
      if (span.getParentSpanId().isEmpty()) {
        roots.put(HexFormat.of().formatHex(span.getTraceId().toByteArray()), attributes(span));
      }
    }
    return roots;
  }

  /** The attributes of the first span called {@code name}. */
  Map<String, Object> spanNamed(String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst().map(ForwardedSpans::attributes)
        .orElseThrow(() -> new AssertionError("no forwarded span '" + name + "'"));
  }

  private static Map<String, Object> attributes(Span span) {
    Map<String, Object> result = new HashMap<>();
    for (KeyValue kv : span.getAttributesList()) {
      AnyValue v = kv.getValue();
      result.put(kv.getKey(), switch (v.getValueCase()) {
        case STRING_VALUE -> v.getStringValue();
        case INT_VALUE -> v.getIntValue();
        case DOUBLE_VALUE -> v.getDoubleValue();
        case BOOL_VALUE -> v.getBoolValue();
        default -> v.toString();
      });
    }
    return result;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
