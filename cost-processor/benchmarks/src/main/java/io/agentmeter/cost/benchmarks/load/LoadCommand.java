package io.agentmeter.cost.benchmarks.load;

import io.agentmeter.processor.cli.Durations;

import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code agentmeter-load load}: starts the service as a child process on a fresh SQLite ledger,
 * drives OTLP/HTTP protobuf at it, and prints spans/s, the service's CPU and peak RSS, ack latency
 * percentiles, whether every acknowledged span was stored (and, when forwarding, reached the
 * sink), and the service's CPU per span against bare protobuf decode plus re-encode of the same
 * payloads measured in the same run.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Measure the service: drive OTLP/HTTP at a child 'serve' process and report"
        + " throughput, CPU, peak RSS, ack latency and cost relative to bare protobuf decode + encode.")
final class LoadCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--duration", defaultValue = "20s", description = "Measured time (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--warmup", defaultValue = "5s", description = "Unmeasured warm-up (default: ${DEFAULT-VALUE}).")
  String warmup;

  @Option(names = "--senders", defaultValue = "8", description = "Concurrent senders (default: ${DEFAULT-VALUE}).")
  int senders;

  @Option(names = "--spans-per-request", defaultValue = "200",
      description = "Spans per export request (default: ${DEFAULT-VALUE}; 10-span traces).")
  int spansPerRequest;

  @Option(names = "--profile", defaultValue = "llm",
      description = "The traces: llm (a root and 9 LLM calls: the worst case for the ledger) or"
          + " mixed (a root, 1 LLM call, and tool, HTTP and database spans of 15-20 attributes,"
          + " as real traces mostly are) (default: ${DEFAULT-VALUE}).")
  Profile profile;

  @Option(names = "--forward", negatable = true,
      description = "Have the service forward costed spans (serve --forward) to a sink in this"
          + " process: an OTLP/HTTP endpoint on loopback that decodes every request with protobuf"
          + " and counts its spans; every acknowledged span must reach it (default: on with"
          + " --profile mixed, off with llm).")
  Boolean forward;

  @Option(names = "--heap", defaultValue = "1g", description = "The service's -Xmx (default: ${DEFAULT-VALUE}).")
  String heap;

  @Option(names = "--gc", defaultValue = "parallel",
      description = "The service's garbage collector: parallel (what the README recommends for the"
          + " service: the least CPU per span) or g1 (the JVM's default on this machine)"
          + " (default: ${DEFAULT-VALUE}).")
  Gc gc;

  /** The collectors the service is measured with. */
  enum Gc {
    parallel("-XX:+UseParallelGC"),
    g1("-XX:+UseG1GC");

    final String flag;

    Gc(String flag) {
      this.flag = flag;
    }
  }

  @Option(names = "--service-jvm-arg", paramLabel = "ARG",
      description = "An extra JVM argument for the service (repeatable), e.g. to record a profile.")
  List<String> serviceJvmArgs = new ArrayList<>();

  @Option(names = "--trace-ids", defaultValue = "random",
      description = "random (as real trace ids are: index inserts all over the key range) or"
          + " sequential (increasing ids: inserts at one end; flatters the ledger)"
          + " (default: ${DEFAULT-VALUE}).")
  TraceIds traceIds;

  /** How the generated trace ids are spread. */
  enum TraceIds { random, sequential }

  @Option(names = "--dir", description = "Where the ledger goes (default: a temporary directory).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Duration measured = Durations.parse(duration, "--duration");
    Duration warm = Durations.parse(warmup, "--warmup");
    boolean forwarding = forward != null ? forward : profile == Profile.mixed;
    Path work = dir != null ? dir : Files.createTempDirectory("agentmeter-load");
    Files.createDirectories(work);
    int traces = Math.max(1, spansPerRequest / Traces.SPANS_PER_TRACE);
    int spans = traces * Traces.SPANS_PER_TRACE;
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      pool.add(Traces.request(profile, i, traces, System.currentTimeMillis(), randomIds()).toByteArray());
    }
    List<String> jvm = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, gc.flag));
    jvm.addAll(serviceJvmArgs);
    // Measured before the service starts, so nothing else competes for the cores.
    Baseline baseline = Baseline.measure(jvm, work, pool, spans);
    Path ledger = work.resolve("load-ledger.db");
    try (ForwardSink sink = forwarding ? ForwardSink.start(2) : null;
        ServiceProcess service = ServiceProcess.start(jvm, work, ledger,
            sink == null ? null : sink.url())) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      service.waitHealthy(client);
      Senders load = new Senders(client, service.traces(),
          new Requests(profile, traces, randomIds()), traces);
      load.start(senders);
      Thread.sleep(warm.toMillis());
      long cpu0 = ProcStats.cpuNanos(service.pid());
      Map<String, Long> stages0 = ProcStats.stageCpuNanos(service.pid());
      long t0 = System.nanoTime();
      load.measure(true);
      Thread.sleep(measured.toMillis());
      load.measure(false);
      long t1 = System.nanoTime();
      long cpu1 = ProcStats.cpuNanos(service.pid());
      Map<String, Long> stages1 = ProcStats.stageCpuNanos(service.pid());
      long measuredSpans = load.ackedMeasured();
      load.stop();
      long peakRss = ProcStats.peakRssKb(service.pid());
      long stored = service.receivedSpans(client, load.acked());
      Forwarded forwarded = sink == null ? null : Forwarded.drain(sink, service, client, load.acked());
      // Stopped as an operator would (SIGTERM: open traces are rolled up and forwarded), then the
      // ledger is read.
      service.stop();
      LedgerCheck check = LedgerCheck.read(ledger);

      long[] sorted = load.sortedLatencies();
      double seconds = (t1 - t0) / 1e9;
      double cpuPerSpan = (cpu1 - cpu0) / (double) Math.max(1, measuredSpans);
      out.printf("load: %d senders, %d spans per request (%d traces of 10 spans, %s ids), profile %s"
          + " (%s), %.0f s measured; service -Xmx%s, %s GC%n", senders, spans, traces, traceIds,
          profile, profile.description(), seconds, heap, gc);
      out.printf("throughput:      %,.0f spans/s acknowledged%n", measuredSpans / seconds);
      out.printf("service CPU:     %.2f cores (%,.0f ns per span)%n",
          (cpu1 - cpu0) / 1e9 / seconds, cpuPerSpan);
      out.printf("  by stage:      %s%n", ProcStats.stages(stages0, stages1, measuredSpans));
      out.printf("service peak RSS: %,d MiB%n", peakRss / 1024);
      out.printf("ack latency:     p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)%n",
          Senders.pct(sorted, 50), Senders.pct(sorted, 95), Senders.pct(sorted, 99),
          sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, sorted.length);
      out.printf("acknowledged:    %,d spans; stored %,d; failed or refused requests %d%n",
          load.acked(), stored, load.failed());
      out.printf("ledger:          %,d distinct spans after shutdown, %,d not rolled up%n",
          check.distinctSpans(), check.pending());
      if (sink != null) {
        out.printf("forward sink:    %,d spans received and decoded, in %,d requests (%,d MiB), %,d"
            + " of them after the senders stopped; %d requests not decodable; the service dropped"
            + " %,d%n", sink.spans(), sink.decoded(), sink.bytes() >> 20,
            sink.spans() - forwarded.whenSendersStopped(), sink.undecodable(), forwarded.dropped());
      }
      out.printf("baseline:        protobuf decode + re-encode of the same payloads, %,.0f ns CPU per"
          + " span (its process, GC and JIT included, as the service is counted; %,.0f on its"
          + " thread alone)%n", baseline.processNanosPerSpan(), baseline.threadNanosPerSpan());
      out.printf("pipeline / baseline: %.1fx (%.1fx against the thread alone)%n",
          cpuPerSpan / baseline.processNanosPerSpan(), cpuPerSpan / baseline.threadNanosPerSpan());
      out.flush();
      long acked = load.acked();
      boolean kept = stored == acked && check.distinctSpans() == acked && check.pending() == 0;
      boolean sent = sink == null || sink.spans() == acked && sink.undecodable() == 0;
      return kept && sent ? 0 : 1;
    }
  }

  /**
   * The forwarding once the senders stopped: what the sink had then, and what the service dropped
   * (its {@code agentmeter_forward_dropped_spans_total}) once its backlog went out.
   */
  record Forwarded(long whenSendersStopped, long dropped) {

    /**
     * Waits for the service's forwarding backlog to reach the sink, while it still moves (at
     * most 3 s without a span arriving), so that spans the forwarder lags behind by are told
     * apart from spans it drops; then reads what it dropped.
     */
    static Forwarded drain(ForwardSink sink, ServiceProcess service, HttpClient client, long acked)
        throws Exception {
      long atStop = sink.spans();
      long last = atStop;
      long lastMoved = System.nanoTime();
      while (sink.spans() < acked && System.nanoTime() - lastMoved < 3_000_000_000L) {
        Thread.sleep(100);
        long now = sink.spans();
        if (now != last) {
          last = now;
          lastMoved = System.nanoTime();
        }
      }
      return new Forwarded(atStop, service.metric(client, "agentmeter_forward_dropped_spans_total"));
    }
  }

  private boolean randomIds() {
    return traceIds == TraceIds.random;
  }
}
