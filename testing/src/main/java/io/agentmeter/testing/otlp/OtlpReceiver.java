package io.agentmeter.testing.otlp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1 ({@code POST /v1/traces}, protobuf, plain or gzip) that
 * keeps every span it is sent: what an OpenTelemetry agent exports, or what the processor forwards
 * to Jaeger or Tempo.
 */
public final class OtlpReceiver implements AutoCloseable {

  /** A received span with its resource's attributes and its scope's name. */
  public record Received(Map<String, Object> resource, String scope, Span span) {

    public String name() {
      return span.getName();
    }

    /** The span attribute {@code key} (see {@link #value}), or {@code null}. */
    public Object attr(String key) {
      for (KeyValue kv : span.getAttributesList()) {
        if (kv.getKey().equals(key)) {
          return value(kv.getValue());
        }
      }
      return null;
    }

    /** Every span attribute (see {@link #value}). */
    public Map<String, Object> attributes() {
      return OtlpReceiver.attributes(span.getAttributesList());
    }

    public String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    public boolean isRoot() {
      return span.getParentSpanId().isEmpty();
    }
  }

  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  /** Starts a receiver on a free port of 127.0.0.1. */
  public static OtlpReceiver start() throws IOException {
    // Headers and body go out as separate writes; without TCP_NODELAY each export waits ~40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    OtlpReceiver receiver = new OtlpReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
    receiver.server.createContext("/v1/traces", receiver::receive);
    receiver.server.start();
    return receiver;
  }

  /** The endpoint to export to: an exporter adds {@code /v1/traces}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Every span received so far, in order. */
  public List<Received> spans() {
    return List.copyOf(spans);
  }

  /** The spans called {@code name}, in order. */
  public List<Received> named(String name) {
    List<Received> result = new ArrayList<>();
    for (Received r : spans) {
      if (r.name().equals(name)) {
        result.add(r);
      }
    }
    return result;
  }

  /** Forgets the spans received so far. */
  public void clear() {
    spans.clear();
  }

  private void receive(HttpExchange exchange) throws IOException {
    try {
      if (!exchange.getRequestMethod().equals("POST")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      InputStream body = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        body = new GZIPInputStream(body);
      }
      ExportTraceServiceRequest request;
      try {
        request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
      } catch (IOException e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      for (ResourceSpans rs : request.getResourceSpansList()) {
        Map<String, Object> resource = attributes(rs.getResource().getAttributesList());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            spans.add(new Received(resource, ss.getScope().getName(), span));
          }
        }
      }
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
    } finally {
      exchange.close();
    }
  }

  private static Map<String, Object> attributes(List<KeyValue> list) {
    Map<String, Object> result = new HashMap<>();
    for (KeyValue kv : list) {
      result.put(kv.getKey(), value(kv.getValue()));
    }
    return result;
  }

  /** A string, {@code Long}, {@code Double} or {@code Boolean}; any other value as its text form. */
  public static Object value(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case INT_VALUE:
        return v.getIntValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case BOOL_VALUE:
        return v.getBoolValue();
      default:
        return v.toString();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
