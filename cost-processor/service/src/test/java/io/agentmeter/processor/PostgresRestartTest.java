package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PostgreSQL server stopped and started again (same data, same port) while a sender
 * exports: ingest answers 503 and the API 503 while it is away, readiness says so, and both
 * recover without restarting the service; every acknowledged span is in the ledger once.
 */
class PostgresRestartTest {

  private static final int CALLS = 2;

  @TempDir Path dir;

  @Test
  void ingestAndTheApiReconnectWhenTheServerIsBack() throws Exception {
    Path data = dir.resolve("pgdata");
    int port = freePort();
    EmbeddedPostgres postgres = start(data, port);
    String url = "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger refusals = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong next = new AtomicLong();
    try (Processor processor = Processor.builder().setLedger(url).setOtlpHttpPort(0)
        .setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceIdleTimeout(Duration.ofMillis(200)).setTraceGrace(Duration.ofMillis(50))
        .start()) {
      int otlp = processor.otlpHttpPort();
      int api = processor.apiPort();
      // a sender as an OTLP exporter is: each trace retried until it is acknowledged
      Thread sender = new Thread(() -> {
        while (!stop.get()) {
          long n = next.getAndIncrement();
          try {
            while (post(otlp, n) != 200) {
              refusals.incrementAndGet();
              Thread.sleep(100);
            }
            acknowledged.add(n);
          } catch (IOException | InterruptedException e) {
            return;
          }
        }
      });
      sender.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 20);
      assertThat(status(api, "/readyz")).isEqualTo(200);

      postgres.close();
      await().atMost(Duration.ofSeconds(30)).until(() -> refusals.get() >= 3);
      assertThat(status(api, "/readyz")).isEqualTo(503);
      assertThat(status(api, "/healthz")).isEqualTo(200);
      assertThat(status(api, "/api/v1/costs")).isEqualTo(503);
      int acknowledgedWhileAway = acknowledged.size();

      postgres = start(data, port);
      await().atMost(Duration.ofSeconds(60))
          .until(() -> acknowledged.size() >= acknowledgedWhileAway + 20);
      stop.set(true);
      sender.join(60_000);
      assertThat(sender.isAlive()).isFalse();
      await().atMost(Duration.ofSeconds(30)).until(() -> status(api, "/readyz") == 200);
      processor.flush();

      Loopback.assertCostedOnce(api, acknowledged, CALLS);
    } finally {
      stop.set(true);
      postgres.close();
    }
  }

  private static EmbeddedPostgres start(Path data, int port) throws IOException {
    return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
        .setPort(port).start();
  }

  private static int post(int port, long trace) throws IOException, InterruptedException {
    return Loopback.post(port, trace, CALLS);
  }

  private static int status(int port, String path) throws IOException, InterruptedException {
    return Loopback.status(port, path);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
