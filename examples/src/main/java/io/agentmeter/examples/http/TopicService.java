package io.agentmeter.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * How the example services serve: {@code POST path?topic=...} answers the work's text with 200, or
 * 502 with what failed. Uses the JDK's HTTP server, which the OpenTelemetry agent instruments, so
 * each request is a server span carrying the caller's trace and baggage.
 */
public final class TopicService {

  /** What a request does with its topic. */
  public interface Work {
    String run(String topic) throws Exception;
  }

  private TopicService() {}

  /** Serves {@code work} on {@code host:port} and prints {@code READY <name> on port N}. */
  public static void serve(String name, String host, int port, String path, String failure, Work work)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext(path, exchange -> answer(exchange, failure, work));
    server.start();
    System.out.println("READY " + name + " on port " + server.getAddress().getPort());
  }

  private static void answer(HttpExchange exchange, String failure, Work work) throws IOException {
    int status = 200;
    String text;
    try {
      text = work.run(topic(exchange.getRequestURI()));
    } catch (Exception e) {
      status = 502;
      text = failure + ": " + e;
    }
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    try {
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  /** The decoded {@code topic} parameter; a missing one is an error naming it. */
  static String topic(URI uri) {
    String raw = uri.getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).equals("topic")) {
          return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
    }
    throw new IllegalArgumentException("missing query parameter 'topic'");
  }
}
