package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;

/** What the service's tests send to a running service on loopback, and read back. */
final class Loopback {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /**
   * Checks through the query API that every acknowledged trace (of {@link OtlpPayloads}, each of
   * {@code calls} calls) was costed once: each trace's total, the sum by trace and the span count.
   */
  static void assertCostedOnce(int api, Collection<Long> acknowledged, int calls)
      throws Exception {
    BigDecimal traceCost = OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(calls));
    for (long n : acknowledged) {
      HttpResponse<String> trace = await().atMost(Duration.ofSeconds(30)).until(
          () -> get(api, "/api/v1/traces/" + OtlpPayloads.traceIdHex(n)),
          r -> r.statusCode() == 200);
      assertThat(JSON.readTree(trace.body()).get("total").decimalValue()).as("trace %d", n)
          .isEqualByComparingTo(traceCost);
    }
    HttpResponse<String> response = get(api, "/api/v1/costs?groupBy=trace");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode costs = JSON.readTree(response.body());
    BigDecimal sum = BigDecimal.ZERO;
    long spans = 0;
    for (JsonNode row : costs.get("rows")) {
      sum = sum.add(row.get("cost").decimalValue());
      spans += row.get("spans").asLong();
    }
    assertThat(costs.get("rows")).hasSize(acknowledged.size());
    assertThat(sum).isEqualByComparingTo(
        traceCost.multiply(BigDecimal.valueOf(acknowledged.size())));
    assertThat(spans).isEqualTo((long) acknowledged.size() * calls);
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
