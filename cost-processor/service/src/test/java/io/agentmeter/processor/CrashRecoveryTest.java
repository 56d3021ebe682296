package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as a child process under load is killed with SIGKILL and restarted on the same
 * ledger: every span it acknowledged is stored exactly once, a sender's retry of acknowledged spans
 * adds nothing, and traces left open by the crash are rolled up after the restart.
 */
class CrashRecoveryTest {

  private static final int CALLS = 49;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void everyAcknowledgedSpanSurvivesSigkillExactlyOnce() throws Exception {
    String ledger = dir.resolve("ledger.db").toString();
    int otlp = freePort();
    int api = freePort();
    Process first = start(ledger, otlp, api);
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicLong next = new AtomicLong();
    List<Thread> senders = new ArrayList<>();
    try {
      for (int t = 0; t < 3; t++) {
        Thread sender = new Thread(() -> {
          while (true) {
            long n = next.getAndIncrement();
            try {
              if (post(otlp, OtlpPayloads.trace(n, CALLS).toByteArray()) == 200) {
                acknowledged.add(n);
              }
            } catch (IOException | InterruptedException e) {
              return; // the service is gone
            }
          }
        });
        sender.start();
        senders.add(sender);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 60);
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
      first.waitFor();
    }
    for (Thread sender : senders) {
      sender.join(10_000);
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(60);

    Process second = start(ledger, otlp, api);
    try {
      // a sender that never heard back retries; an acknowledged one might too
      List<Long> some = acknowledged.stream().limit(5).toList();
      for (long n : some) {
        assertThat(post(otlp, OtlpPayloads.trace(n, CALLS).toByteArray())).isEqualTo(200);
      }
      try (JdbcLedger l = JdbcLedger.openReadOnly(ledger)) {
        for (long n : acknowledged) {
          assertThat(StoredSpans.all(l.costStore(), l.requestLog(), OtlpPayloads.traceIdHex(n)))
              .as("trace %d", n).hasSize(CALLS + 1);
        }
      }
      ObjectMapper json = new ObjectMapper();
      for (long n : acknowledged) {
        JsonNode trace = await().atMost(Duration.ofSeconds(30)).until(() -> {
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + api + "/api/v1/traces/" + OtlpPayloads.traceIdHex(n))).build(),
              HttpResponse.BodyHandlers.ofString());
          return r.statusCode() == 200 ? json.readTree(r.body()) : null;
        }, node -> node != null);
        assertThat(trace.get("total").decimalValue())
            .isEqualByComparingTo(OtlpPayloads.CALL_COST.multiply(java.math.BigDecimal.valueOf(CALLS)));
      }
    } finally {
      second.destroy();
      second.waitFor();
    }
  }

  private static int post(int port, byte[] body) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private Process start(String ledger, int otlp, int api) throws Exception {
    Process process = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            "io.agentmeter.processor.cli.Cli", "serve",
            "--ledger", ledger, "--otlp-http-port", Integer.toString(otlp), "--otlp-grpc-port", "-1",
            "--api-port", Integer.toString(api), "--bind", "127.0.0.1", "--trace-grace", "100ms")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("serve-" + System.nanoTime() + ".log").toFile())
        .start();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/healthz")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    return process;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
