package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces that never get their root must not hold senders: past three quarters of the open-span
 * bound the oldest are rolled up (incomplete), and no answer waits longer than the ack timeout;
 * whatever a sender is told to retry is stored once when it does.
 */
class BackPressureTest {

  private static final int REQUESTS = 120;
  private static final int TRACES_PER_REQUEST = 10;
  private static final int CALLS = 9;

  @TempDir Path dir;

  @Test
  void rootlessTracesPastTheBoundAreRolledUpAndNoSenderWaitsPastTheAckTimeout() throws Exception {
    Duration ackTimeout = Duration.ofSeconds(2);
    try (Processor processor = Processor.builder().setLedger(dir.resolve("l.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofSeconds(2)).setTraceIdleTimeout(Duration.ofMinutes(10))
        .setMaxOpenSpans(2_000).setAckTimeout(ackTimeout).start()) {
      URI uri = URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces");
      HttpClient http = HttpClient.newHttpClient();
      AtomicLong slowest = new AtomicLong();
      AtomicInteger retried = new AtomicInteger();
      ExecutorService senders = Executors.newFixedThreadPool(8);
      List<Future<?>> sent = new ArrayList<>();
      for (int r = 0; r < REQUESTS; r++) {
        byte[] body = rootless(r);
        sent.add(senders.submit(() -> {
          while (true) {
            long start = System.nanoTime();
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
            slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
            if (response.statusCode() == 200) {
              return null;
            }
            // an exporter retries what it is told to retry, after the delay it is given
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            retried.incrementAndGet();
            Thread.sleep(100);
          }
        }));
      }
      for (Future<?> f : sent) {
        f.get();
      }
      senders.shutdown();

      // each answer within the ack timeout (plus the time to send and read it)
      assertThat(Duration.ofNanos(slowest.get())).isLessThan(ackTimeout.plusSeconds(1));
      processor.flush();
      long spans = (long) REQUESTS * TRACES_PER_REQUEST * CALLS;
      assertThat(StoredSpans.count(processor.costStore(), processor.requestLog())).isEqualTo(spans);
      assertThat(processor.requestLog().pending()).isEmpty();
      assertThat(processor.costStore().traceIds()).hasSize(REQUESTS * TRACES_PER_REQUEST);
      // 1,200 traces of 9 calls of 100 + 10 tokens of gpt-4o-mini: $0.000021 a call, once each
      List<CostRow> byModel = processor.costStore().costs(new CostQuery(CostQuery.GroupBy.MODEL,
          Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), null, null, null, null));
      assertThat(byModel).singleElement().satisfies(row -> {
        assertThat(row.key()).isEqualTo("gpt-4o-mini");
        assertThat(row.cost()).isEqualByComparingTo(new BigDecimal("0.2268"));
        assertThat(row.spans()).isEqualTo(spans);
      });
    }
  }

  /** Ten traces of nine model calls whose root never comes. */
  private static byte[] rootless(int request) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    ResourceSpans resource = null;
    for (int t = 0; t < TRACES_PER_REQUEST; t++) {
      ExportTraceServiceRequest trace = OtlpPayloads.trace(request * TRACES_PER_REQUEST + t, CALLS);
      resource = trace.getResourceSpans(0);
      // every span but the root (the first)
      scope.addAllSpans(resource.getScopeSpans(0).getSpansList().subList(1, CALLS + 1));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(resource.toBuilder()
        .clearScopeSpans().addScopeSpans(scope)).build().toByteArray();
  }
}
