package io.agentmeter.processor.receive;

import io.agentmeter.processor.otlp.DecodeException;

import io.agentmeter.processor.otlp.OtlpDecoder;
import io.agentmeter.processor.otlp.TooLargeException;
import io.agentmeter.processor.otlp.BoundedRead;

import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agentmeter.processor.metrics.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * OTLP/HTTP on {@code POST /v1/traces}: protobuf or JSON, optionally gzip. Oversized bodies get 413
 * without being read whole (a declared length over the limit is refused before reading; a gzip body
 * is inflated only up to the limit).
 */
public final class HttpReceiver implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(HttpReceiver.class.getName());

  private final HttpServer server;
  private final ExecutorService executor;
  private final ExportHandler handler;
  private final Metrics metrics;
  private final int maxBodyBytes;

  public HttpReceiver(InetSocketAddress address, ExportHandler handler, Metrics metrics,
      int maxBodyBytes, int threads) throws IOException {
    this.handler = handler;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
    this.server = HttpServer.create(address, 256);
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "agentmeter-otlp-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/v1/traces", this::handle);
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      respond(exchange);
    }
  }

  private void respond(HttpExchange exchange) throws IOException {
    try {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        text(exchange, 405, "use POST");
        return;
      }
      String type = header(exchange, "Content-Type");
      boolean json = type.startsWith("application/json");
      if (!json && !type.startsWith("application/x-protobuf")) {
        metrics.rejected("unsupported_media_type", 0);
        text(exchange, 415, "Content-Type must be application/x-protobuf or application/json, got '"
            + type + "'");
        return;
      }
      String length = header(exchange, "Content-Length");
      if (!length.isEmpty() && parseLength(length) > maxBodyBytes) {
        metrics.rejected("too_large", 0);
        discard(exchange);
        exchange.getResponseHeaders().set("Connection", "close");
        text(exchange, 413, "body of " + length + " bytes exceeds the limit of " + maxBodyBytes
            + " bytes");
        return;
      }
      String encoding = header(exchange, "Content-Encoding").toLowerCase(Locale.ROOT);
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        long declared = length.isEmpty() ? -1 : parseLength(length);
        if ((encoding.isEmpty() || encoding.equals("identity")) && declared >= 0) {
          body = BoundedRead.readExactly(in, (int) declared);
        } else if (encoding.isEmpty() || encoding.equals("identity")) {
          body = BoundedRead.readAtMost(in, maxBodyBytes, "body");
        } else if (encoding.equals("gzip")) {
          body = OtlpDecoder.gunzip(in, maxBodyBytes);
        } else {
          text(exchange, 415, "Content-Encoding must be gzip or identity, got '" + encoding + "'");
          return;
        }
      } catch (TooLargeException e) {
        metrics.rejected("too_large", 0);
        discard(exchange);
        exchange.getResponseHeaders().set("Connection", "close");
        text(exchange, 413, e.getMessage());
        return;
      }
      // JSON is parsed into the message and handed on as protobuf, to be read and stored as such
      ExportHandler.Outcome outcome =
          handler.handle(json ? OtlpDecoder.json(body).toByteArray() : body);
      if (outcome instanceof ExportHandler.Unavailable u) {
        exchange.getResponseHeaders().set("Retry-After", Integer.toString(u.retryAfterSeconds()));
        text(exchange, 503, u.message());
        return;
      }
      ExportHandler.Accepted accepted = (ExportHandler.Accepted) outcome;
      byte[] response = json
          ? JsonFormat.printer().print(accepted.response()).getBytes(StandardCharsets.UTF_8)
          : accepted.response().toByteArray();
      exchange.getResponseHeaders().set("Content-Type",
          json ? "application/json" : "application/x-protobuf");
      exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
      if (response.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response);
        }
      }
    } catch (DecodeException e) {
      metrics.rejected("undecodable", 0);
      text(exchange, 400, e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "OTLP/HTTP request failed", e);
      try {
        text(exchange, 500, "internal error: " + e.getMessage());
      } catch (IOException | RuntimeException ignored) {
        // the response may already be under way
      }
    }
  }

  /**
   * Reads and throws away what is left of a refused body (up to a bound, in a small buffer), so the
   * sender gets the 413 instead of a reset connection. Nothing is kept in memory.
   */
  private static void discard(HttpExchange exchange) {
    byte[] buffer = new byte[64 * 1024];
    long left = DRAIN_LIMIT;
    try (InputStream in = exchange.getRequestBody()) {
      int n;
      while (left > 0 && (n = in.read(buffer)) > 0) {
        left -= n;
      }
    } catch (IOException ignored) {
      // the sender went away; nothing to answer
    }
  }

  private static final long DRAIN_LIMIT = 256L * 1024 * 1024;

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String header(HttpExchange exchange, String name) {
    String value = exchange.getRequestHeaders().getFirst(name);
    return value == null ? "" : value.trim();
  }

  static void text(HttpExchange exchange, int status, String message) throws IOException {
    byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdown();
  }
}
