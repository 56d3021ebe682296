package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQLite ledger on a real, small filesystem (a tmpfs mounted for the test) that fills up under
 * load: ingest answers 503 while the disk is full and recovers by itself once space is freed, the
 * rollups that failed meanwhile are rolled up again without a restart, and before and after a
 * restart the cost sums count every acknowledged span exactly once (a rollup's writes are all or
 * nothing, whatever the disk does). Needs root to mount; skipped without, unless
 * {@code -Dagentmeter.require.faults=true}.
 */
class FullDiskTest {

  private static final int CALLS = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void ingestRecoversWhenSpaceIsBackAndEverySpanIsCountedOnce() throws Exception {
    Path disk = dir.resolve("disk");
    Files.createDirectories(disk);
    mount(disk);
    try {
      String ledger = disk.resolve("ledger.db").toString();
      Set<Long> acknowledged = new LinkedHashSet<>();
      Set<Long> refused = new LinkedHashSet<>();
      long next = 0;
      try (Processor processor = start(ledger)) {
        int otlp = processor.otlpHttpPort();
        for (; next < 20; next++) {
          assertThat(post(otlp, next)).isEqualTo(200);
          acknowledged.add(next);
        }
        processor.flush();

        // the disk fills up (a few small files of it are freed again, so that some writes fit
        // and the next ones fail part way)
        List<Path> ballast = fill(disk);
        for (Path file : ballast.subList(ballast.size() - 3, ballast.size())) {
          Files.delete(file);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int refusedInARow = 0;
        while (refusedInARow < 20 && System.nanoTime() < deadline) {
          long n = next++;
          if (post(otlp, n) == 200) {
            acknowledged.add(n);
            refusedInARow = 0;
          } else {
            refused.add(n);
            refusedInARow++;
            Thread.sleep(20); // traces close and their rollups fail meanwhile
          }
        }
        assertThat(refusedInARow).as("ingest answered 503 once the disk was full").isEqualTo(20);
        assertThat(status(processor.apiPort(), "/readyz")).isEqualTo(503);
        assertThat(status(processor.apiPort(), "/healthz")).isEqualTo(200);

        // space is back: ingest recovers without a restart, senders' retries get through
        for (Path file : ballast) {
          Files.deleteIfExists(file);
        }
        long first = refused.iterator().next();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> post(otlp, first) == 200);
        for (long n : refused) {
          assertThat(post(otlp, n)).as("retry of trace %d", n).isEqualTo(200);
          acknowledged.add(n);
        }
        for (int i = 0; i < 20; i++, next++) {
          assertThat(post(otlp, next)).isEqualTo(200);
          acknowledged.add(next);
        }
        processor.flush();
        await().atMost(Duration.ofSeconds(30))
            .until(() -> status(processor.apiPort(), "/readyz") == 200);
        // and the rollups that failed while the disk was full are rolled up again, no restart
        BigDecimal expected = OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(CALLS))
            .multiply(BigDecimal.valueOf(acknowledged.size()));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> total(processor.apiPort()).compareTo(expected) == 0);
      }

      // restarted: nothing is counted twice
      try (Processor processor = start(ledger)) {
        processor.flush();
        Loopback.assertCostedOnce(processor.apiPort(), acknowledged, CALLS);
      }
    } finally {
      unmount(disk);
    }
  }

  /** The sum of every trace's cost the API reports. */
  private static BigDecimal total(int api) throws Exception {
    BigDecimal sum = BigDecimal.ZERO;
    for (JsonNode row : get(api, "/api/v1/costs?groupBy=trace").get("rows")) {
      sum = sum.add(row.get("cost").decimalValue());
    }
    return sum;
  }

  private static Processor start(String ledger) throws Exception {
    return Processor.builder().setLedger(ledger).setOtlpHttpPort(0).setOtlpGrpcPort(-1)
        .setApiPort(0).setBindHost("127.0.0.1").setTraceIdleTimeout(Duration.ofMillis(100))
        .setTraceGrace(Duration.ofMillis(50)).setAckTimeout(Duration.ofSeconds(2)).start();
  }

  /** Fills the filesystem of {@code dir} with 32 KiB files until a write fails for want of space. */
  private static List<Path> fill(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    byte[] chunk = new byte[32 * 1024];
    for (int i = 0; ; i++) {
      Path file = dir.resolve("ballast-" + i);
      files.add(file);
      try (OutputStream out = Files.newOutputStream(file)) {
        out.write(chunk);
      } catch (IOException e) {
        return files; // full
      }
    }
  }

  private static void mount(Path dir) throws Exception {
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs",
        dir.toString()).redirectErrorStream(true).start();
    String output = new String(mount.getInputStream().readAllBytes());
    if (mount.waitFor() != 0) {
      if (Boolean.getBoolean("agentmeter.require.faults")) {
        fail("cannot mount a small tmpfs for the full-disk test: " + output);
      }
      Assumptions.abort("cannot mount a small tmpfs (needs root): " + output);
    }
  }

  private static void unmount(Path dir) throws Exception {
    Process umount = new ProcessBuilder("umount", dir.toString()).inheritIO().start();
    if (umount.waitFor() != 0) {
      new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor();
    }
  }

  private static int post(int port, long trace) throws IOException, InterruptedException {
    return Loopback.post(port, trace, CALLS);
  }

  private static int status(int port, String path) throws IOException, InterruptedException {
    return Loopback.status(port, path);
  }

  private static JsonNode get(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> response = Loopback.get(port, path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
