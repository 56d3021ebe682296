package io.agentmeter.cost.benchmarks.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent synchronous senders of export requests, each waiting for its acknowledgement before
 * sending the next: the spans acknowledged (in all and while measuring), the requests that failed
 * or were refused, and the ack latency of every measured request.
 */
final class Senders {

  private static final int MAX_LATENCIES = 2_000_000;

  private final HttpClient client;
  private final URI traces;
  private final Requests requests;
  private final int tracesPerRequest;
  private final AtomicLong traceCounter = new AtomicLong(1_000_000);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean measuring = new AtomicBoolean(false);
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong ackedMeasured = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final List<long[]> latencies = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  Senders(HttpClient client, URI traces, Requests requests, int tracesPerRequest) {
    this.client = client;
    this.traces = traces;
    this.requests = requests;
    this.tracesPerRequest = tracesPerRequest;
  }

  /** Starts {@code count} senders. */
  void start(int count) {
    for (int s = 0; s < count; s++) {
      // the last slot holds how many of the others are filled once the sender stops
      long[] lat = new long[MAX_LATENCIES + 1];
      latencies.add(lat);
      Thread t = new Thread(() -> send(lat), "load-sender-" + s);
      threads.add(t);
      t.start();
    }
  }

  private void send(long[] lat) {
    int count = 0;
    long spans = tracesPerRequest * (long) Traces.SPANS_PER_TRACE;
    while (running.get()) {
      long n = traceCounter.getAndAdd(tracesPerRequest);
      byte[] body = requests.make(n);
      long start = System.nanoTime();
      int status;
      try {
        status = client.send(HttpRequest.newBuilder(traces)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException | InterruptedException e) {
        failed.incrementAndGet();
        continue;
      }
      long took = System.nanoTime() - start;
      if (status == 200) {
        acked.addAndGet(spans);
        if (measuring.get()) {
          ackedMeasured.addAndGet(spans);
          if (count < MAX_LATENCIES) {
            lat[count++] = took;
          }
        }
      } else {
        failed.incrementAndGet();
      }
    }
    lat[MAX_LATENCIES] = count;
  }

  /** Whether the acknowledgements from now on are measured. */
  void measure(boolean on) {
    measuring.set(on);
  }

  /** Stops the senders once their requests in flight are answered. */
  void stop() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }

  long acked() {
    return acked.get();
  }

  long ackedMeasured() {
    return ackedMeasured.get();
  }

  long failed() {
    return failed.get();
  }

  /** The measured requests' ack latencies, in ns, ascending (once stopped). */
  long[] sortedLatencies() {
    List<Long> all = new ArrayList<>();
    for (long[] lat : latencies) {
      int n = (int) lat[MAX_LATENCIES];
      for (int i = 0; i < n; i++) {
        all.add(lat[i]);
      }
    }
    return all.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** Percentile {@code p} of {@code sorted} nanoseconds, in milliseconds (nearest rank). */
  static double pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}
