package io.agentmeter.processor;

import io.agentmeter.testing.otlp.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** What the service's tests send to a running service on loopback, and read back. */
final class Loopback {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private Loopback() {}

  /** Exports trace {@code trace} of {@code calls} model calls over OTLP/HTTP; the status. */
  static int post(int port, long trace, int calls) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(
                OtlpPayloads.trace(trace, calls).toByteArray())).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Exports {@code request} over OTLP/HTTP protobuf; the status. */
  static int post(int port, ExportTraceServiceRequest request)
      throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * {@code /metrics} as a second scrape reads it: a scrape shows the series new since the last one
   * at 0 (as Prometheus must see them before their first amount), the next their amounts.
   */
  static String metrics(int apiPort) throws IOException, InterruptedException {
    get(apiPort, "/metrics");
    return get(apiPort, "/metrics").body();
  }

  /** The status of a GET of {@code path}. */
  static int status(int port, String path) throws IOException, InterruptedException {
    return get(port, path).statusCode();
  }

  /** A GET of {@code path}. */
  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
