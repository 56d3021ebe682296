package io.agentmeter.processor;

import io.agentmeter.testing.otlp.WorkflowSpans;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.api.ApiServer.ApiToken;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow and stalled clients (the old JDK server gave each a thread until it went away: 16 of them
 * stopped every export, 4 the API) hold only a connection: real exports and queries get through
 * while they hang, and each is answered 408 and closed once its headers or body are late.
 */
class SlowClientsTest {

  private static final Duration HEADERS = Duration.ofSeconds(5);
  private static final Duration BODY = Duration.ofSeconds(6);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void exportsGetThroughWhileSlowSendersHangAndTheSlowOnesAreClosedOnTime() throws Exception {
    try (Processor processor = start(Processor.builder())) {
      int port = processor.otlpHttpPort();
      String head = "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\n";
      List<Socket> headersOnly = new ArrayList<>();
      List<Socket> halfBody = new ArrayList<>();
      List<Socket> halfHeaders = new ArrayList<>();
      long opened = System.nanoTime();
      for (int i = 0; i < 32; i++) {
        headersOnly.add(RawHttp.send(port, head));
        halfBody.add(RawHttp.send(port, head + "x".repeat(500)));
      }
      for (int i = 0; i < 8; i++) {
        halfHeaders.add(RawHttp.send(port, "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
      }

      try (OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + port + "/v1/traces").build()) {
        assertThat(exporter.export(WorkflowSpans.make("acme")).join(10, TimeUnit.SECONDS)
            .isSuccess()).isTrue();
      }
      HttpResponse<byte[]> plain = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/v1/traces"))
          .header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0])).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(plain.statusCode()).isEqualTo(200);
      // the exports went through while every slow sender still held its connection
      assertThat(elapsed(opened)).isLessThan(HEADERS);
      for (Socket s : concat(headersOnly, halfBody, halfHeaders)) {
        assertThat(RawHttp.silent(s)).isTrue();
      }

      for (Socket s : concat(headersOnly, halfBody)) {
        String answer = RawHttp.readUntilClosed(s, 15_000);
        // none before its body timeout ran out, all soon after
        assertThat(elapsed(opened)).isBetween(BODY.minusMillis(200), BODY.plusSeconds(4));
        assertThat(answer).startsWith("HTTP/1.1 408 ")
            .contains("the request's body did not arrive within 6000 ms");
      }
      for (Socket s : halfHeaders) {
        assertThat(RawHttp.readUntilClosed(s, 15_000)).startsWith("HTTP/1.1 408 ")
            .contains("the request's headers did not arrive within 5000 ms");
        s.close();
      }
      closeAll(concat(headersOnly, halfBody));
    }
  }

  @Test
  void anAuthorisedQueryGetsThroughWhileSlowClientsHangOnTheApi() throws Exception {
    try (Processor processor = start(Processor.builder()
        .addApiToken(ApiToken.parse("admin-secret")))) {
      int port = processor.apiPort();
      List<Socket> slow = new ArrayList<>();
      long opened = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        // half a request: no token yet, no end of headers
        slow.add(RawHttp.send(port, "GET /api/v1/costs HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
      }

      HttpResponse<String> costs = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/api/v1/costs"))
          .header("Authorization", "Bearer admin-secret").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(costs.statusCode()).isEqualTo(200);
      assertThat(costs.body()).isEqualTo("{\"currency\":\"USD\",\"groupBy\":\"agent\",\"rows\":[]}");
      HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/api/v1/costs")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(elapsed(opened)).isLessThan(HEADERS);
      for (Socket s : slow) {
        assertThat(RawHttp.silent(s)).isTrue();
      }

      for (Socket s : slow) {
        String answer = RawHttp.readUntilClosed(s, 15_000);
        assertThat(elapsed(opened)).isBetween(HEADERS.minusMillis(200), HEADERS.plusSeconds(4));
        assertThat(answer).startsWith("HTTP/1.1 408 ").contains("application/json")
            .contains("{\"error\":\"the request's headers did not arrive within 5000 ms\"}");
        s.close();
      }
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (Processor processor = start(Processor.builder())) {
      try (Socket socket = new Socket("127.0.0.1", processor.apiPort())) {
        long opened = System.nanoTime();
        RawHttp.write(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(RawHttp.readResponse(socket, 5_000)).startsWith("HTTP/1.1 200 ").endsWith("ok\n");
        // kept open for the next request, then closed without a word once idle for 3 s
        assertThat(RawHttp.readUntilClosed(socket, 15_000)).isEmpty();
        assertThat(elapsed(opened)).isBetween(Duration.ofMillis(2_800), Duration.ofSeconds(7));
      }
    }
  }

  private Processor start(Processor.Builder builder) throws Exception {
    return builder.setLedger(dir.resolve("ledger.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(100))
        .setHttpTimeouts(HEADERS, BODY, Duration.ofSeconds(3))
        .start();
  }

  private static Duration elapsed(long since) {
    return Duration.ofNanos(System.nanoTime() - since);
  }

  @SafeVarargs
  private static List<Socket> concat(List<Socket>... lists) {
    List<Socket> all = new ArrayList<>();
    for (List<Socket> list : lists) {
      all.addAll(list);
    }
    return all;
  }

  private static void closeAll(List<Socket> sockets) throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
  }
}
