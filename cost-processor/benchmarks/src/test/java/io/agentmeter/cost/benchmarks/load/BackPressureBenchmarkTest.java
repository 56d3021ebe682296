package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmeter.processor.Processor;
import io.agentmeter.processor.store.StoredSpans;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Ack latency under back-pressure, the faults issue's case: 110,000 spans of traces whose root
 * never comes, from 8 senders as fast as they are answered, into a service with its defaults
 * (100,000 open spans, 30 s idle timeout, 5 s ack timeout). Measures only: runs with
 * {@code -Dagentmeter.bench=true}; figures in docs/benchmarks.md.
 */
class BackPressureBenchmarkTest {

  private static final int TRACES_PER_REQUEST = 20;
  private static final int REQUESTS = 612; // 612 x 20 traces x 9 calls = 110,160 spans

  @Test
  void ackLatencyWithTracesThatNeverGetARoot() throws Exception {
    assumeTrue(Boolean.getBoolean("agentmeter.bench"), "benchmarks run with -Dagentmeter.bench=true");
    Path dir = Files.createTempDirectory("backpressure");
    List<byte[]> bodies = new ArrayList<>();
    long spans = 0;
    for (int r = 0; r < REQUESTS; r++) {
      ExportTraceServiceRequest request = rootless(Traces.request(Profile.llm,
          (long) r * TRACES_PER_REQUEST, TRACES_PER_REQUEST, System.currentTimeMillis(), true));
      spans += request.getResourceSpans(0).getScopeSpans(0).getSpansCount();
      bodies.add(request.toByteArray());
    }
    try (Processor processor = Processor.builder()
        .setLedger(dir.resolve("ledger.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1").start()) {
      URI uri = URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger unavailable = new AtomicInteger();
      ExecutorService senders = Executors.newFixedThreadPool(8);
      List<Future<?>> sent = new ArrayList<>();
      long start = System.nanoTime();
      for (byte[] body : bodies) {
        sent.add(senders.submit(() -> {
          while (true) {
            long t = System.nanoTime();
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.discarding());
            latencies.add(System.nanoTime() - t);
            if (response.statusCode() == 200) {
              return null;
            }
            unavailable.incrementAndGet();
            Thread.sleep(1000L * Integer.parseInt(
                response.headers().firstValue("Retry-After").orElse("1")));
          }
        }));
      }
      for (Future<?> f : sent) {
        f.get();
      }
      long elapsed = System.nanoTime() - start;
      senders.shutdown();
      processor.flush();
      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      System.out.printf("back-pressure: %,d rootless spans in %,d requests from 8 senders in %.1f s;"
              + " %,d answers (%d of them 503); ack latency p50 %.0f ms, p99 %.0f ms, max %.0f ms;"
              + " stored %,d%n",
          spans, REQUESTS, elapsed / 1e9, sorted.size(), unavailable.get(),
          at(sorted, 0.50) / 1e6, at(sorted, 0.99) / 1e6, sorted.get(sorted.size() - 1) / 1e6,
          StoredSpans.count(processor.costStore(), processor.requestLog()));
      assertThat(StoredSpans.count(processor.costStore(), processor.requestLog())).isEqualTo(spans);
    }
  }

  private static double at(List<Long> sorted, double quantile) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
  }

  /** The request without its traces' roots. */
  private static ExportTraceServiceRequest rootless(ExportTraceServiceRequest request) {
    ResourceSpans resource = request.getResourceSpans(0);
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span span : resource.getScopeSpans(0).getSpansList()) {
      if (!span.getParentSpanId().isEmpty()) {
        scope.addSpans(span);
      }
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(resource.toBuilder().clearScopeSpans().addScopeSpans(scope)).build();
  }
}
