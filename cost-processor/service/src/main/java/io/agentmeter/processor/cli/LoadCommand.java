package io.agentmeter.processor.cli;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code agentmeter load}: starts the service as a child process on a fresh SQLite ledger, drives
 * OTLP/HTTP protobuf at it, and prints spans/s, the service's CPU and peak RSS, ack latency
 * percentiles, whether every acknowledged span was stored, and the service's CPU per span against
 * bare protobuf decode plus re-encode of the same payloads measured in the same run.
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
    Path work = dir != null ? dir : Files.createTempDirectory("agentmeter-load");
    Files.createDirectories(work);
    int otlp = freePort();
    int api = freePort();
    int traces = Math.max(1, spansPerRequest / 10);
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      pool.add(request(i, traces, System.currentTimeMillis(), randomIds()).toByteArray());
    }
    List<String> jvm = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap, gc.flag));
    jvm.addAll(serviceJvmArgs);
    // Measured before the service starts, so nothing else competes for the cores.
    Baseline baseline = baseline(jvm, work, pool, traces * 10);
    List<String> command = new ArrayList<>(jvm);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Cli.class.getName(), "serve",
        "--ledger", work.resolve("load-ledger.db").toString(),
        "--otlp-http-port", Integer.toString(otlp), "--otlp-grpc-port", "-1",
        "--api-port", Integer.toString(api), "--bind", "127.0.0.1", "--trace-grace", "500ms"));
    Process service = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("serve.log").toFile())
        .start();
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      waitHealthy(client, api);
      AtomicLong traceCounter = new AtomicLong(1_000_000);
      Requests requests = new Requests(traces, randomIds());

      AtomicBoolean running = new AtomicBoolean(true);
      AtomicBoolean measuring = new AtomicBoolean(false);
      AtomicLong acked = new AtomicLong();
      AtomicLong ackedMeasured = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      List<long[]> latencies = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int s = 0; s < senders; s++) {
        long[] lat = new long[2_000_000];
        int[] count = new int[1];
        latencies.add(lat);
        Thread t = new Thread(() -> {
          while (running.get()) {
            long n = traceCounter.getAndAdd(traces);
            byte[] body = requests.make(n);
            long start = System.nanoTime();
            int status;
            try {
              status = client.send(HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + otlp + "/v1/traces"))
                  .header("Content-Type", "application/x-protobuf")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                  HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException | InterruptedException e) {
              failed.incrementAndGet();
              continue;
            }
            long took = System.nanoTime() - start;
            if (status == 200) {
              acked.addAndGet(traces * 10L);
              if (measuring.get()) {
                ackedMeasured.addAndGet(traces * 10L);
                if (count[0] < lat.length) {
                  lat[count[0]++] = took;
                }
              }
            } else {
              failed.incrementAndGet();
            }
          }
          lat[lat.length - 1] = count[0];
        }, "load-sender-" + s);
        threads.add(t);
        t.start();
      }
      Thread.sleep(warm.toMillis());
      long cpu0 = cpuNanos(service.pid());
      Map<String, Long> stages0 = stageCpuNanos(service.pid());
      long t0 = System.nanoTime();
      measuring.set(true);
      Thread.sleep(measured.toMillis());
      measuring.set(false);
      long t1 = System.nanoTime();
      long cpu1 = cpuNanos(service.pid());
      Map<String, Long> stages1 = stageCpuNanos(service.pid());
      long measuredSpans = ackedMeasured.get();
      running.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }
      long peakRss = peakRssKb(service.pid());
      long stored = storedSpans(client, api, acked.get());
      // Stopped as an operator would (SIGTERM: open traces are rolled up), then the ledger is read.
      service.destroy();
      service.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
      long inLedger;
      long pending;
      try (io.agentmeter.processor.ledger.Ledger l = io.agentmeter.processor.ledger.Ledger.open(
          work.resolve("load-ledger.db").toString())) {
        pending = l.pendingSpans().size();
        inLedger = l.storedSpanCount();
      }

      List<Long> all = new ArrayList<>();
      for (long[] lat : latencies) {
        int n = (int) lat[lat.length - 1];
        for (int i = 0; i < n; i++) {
          all.add(lat[i]);
        }
      }
      long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
      double seconds = (t1 - t0) / 1e9;
      double spansPerSecond = measuredSpans / seconds;
      double cpuPerSpan = (cpu1 - cpu0) / (double) Math.max(1, measuredSpans);
      out.printf("load: %d senders, %d spans per request (%d traces of 10 spans, %s ids), %.0f s"
          + " measured; service -Xmx%s, %s GC%n", senders, traces * 10, traces, traceIds, seconds,
          heap, gc);
      out.printf("throughput:      %,.0f spans/s acknowledged%n", spansPerSecond);
      out.printf("service CPU:     %.2f cores (%,.0f ns per span)%n",
          (cpu1 - cpu0) / 1e9 / seconds, cpuPerSpan);
      out.printf("  by stage:      %s%n", stages(stages0, stages1, measuredSpans));
      out.printf("service peak RSS: %,d MiB%n", peakRss / 1024);
      out.printf("ack latency:     p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)%n",
          pct(sorted, 50), pct(sorted, 95), pct(sorted, 99),
          sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6, sorted.length);
      out.printf("acknowledged:    %,d spans; stored %,d; failed or refused requests %d%n",
          acked.get(), stored, failed.get());
      out.printf("ledger:          %,d distinct spans after shutdown, %,d not rolled up%n",
          inLedger, pending);
      out.printf("baseline:        protobuf decode + re-encode of the same payloads, %,.0f ns CPU per"
          + " span (its process, GC and JIT included, as the service is counted; %,.0f on its"
          + " thread alone)%n", baseline.processNanosPerSpan(), baseline.threadNanosPerSpan());
      out.printf("pipeline / baseline: %.1fx (%.1fx against the thread alone)%n",
          cpuPerSpan / baseline.processNanosPerSpan(), cpuPerSpan / baseline.threadNanosPerSpan());
      out.flush();
      return stored == acked.get() && inLedger == acked.get() && pending == 0 ? 0 : 1;
    } finally {
      service.destroy();
      service.waitFor();
    }
  }

  /**
   * The service's CPU time so far by stage: its threads' times from {@code /proc}, summed by name
   * with instance numbers dropped (the OTLP/HTTP threads are one stage, G1's workers another).
   */
  static Map<String, Long> stageCpuNanos(long pid) {
    Map<String, Long> stages = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          stages.merge(stage(name), ticks * 10_000_000L, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return stages;
  }

  /**
   * A thread's stage, from its name as {@code /proc} gives it (at most 15 characters): the
   * service's own threads by what they do, the JVM's by kind, others without instance numbers.
   */
  static String stage(String threadName) {
    if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
      return "gc";
    }
    if (threadName.startsWith("C1 ") || threadName.startsWith("C2 ")) {
      return "jit";
    }
    for (String[] known : STAGES) {
      if (threadName.startsWith(known[0])) {
        return known[1];
      }
    }
    return threadName.replaceAll("[-#]?\\d+$", "");
  }

  private static final String[][] STAGES = {
      {"agentmeter-otlp", "receive"}, {"agentmeter-ledg", "ingest"},
      {"agentmeter-trac", "rollup"}, {"agentmeter-roll", "store"}};

  /** The stages that took at least 2 % of the measured CPU, largest first, in ns per span. */
  static String stages(Map<String, Long> before, Map<String, Long> after, long spans) {
    long total = 0;
    Map<String, Long> used = new java.util.HashMap<>();
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (delta > 0) {
        used.put(e.getKey(), delta);
        total += delta;
      }
    }
    long shown = 0;
    StringBuilder text = new StringBuilder();
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(used.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    for (Map.Entry<String, Long> e : sorted) {
      if (e.getValue() * 50 < total) {
        break;
      }
      shown += e.getValue();
      text.append(text.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
          .append(String.format(Locale.ROOT, "%,d", e.getValue() / Math.max(1, spans)));
    }
    if (total > shown) {
      text.append(text.length() == 0 ? "" : ", ").append("other ")
          .append(String.format(Locale.ROOT, "%,d", (total - shown) / Math.max(1, spans)));
    }
    return text.append(" ns per span").toString();
  }

  /**
   * CPU per span of bare protobuf parse + re-serialize of the load's requests, on one thread, in a
   * JVM started as the service is (same heap, collector and arguments), counted as the service is
   * (the whole process: its collection and compilation included) and on the thread alone.
   */
  record Baseline(double processNanosPerSpan, double threadNanosPerSpan) {

    /**
     * The median of the baseline process's rounds ({@code round <requests> <thread CPU ns>
     * <process CPU ns>} lines), each figure on its own: one round disturbed by a collection or
     * by another process does not move it.
     */
    static Baseline parse(List<String> lines, int spansPerRequest) {
      List<Double> process = new ArrayList<>();
      List<Double> thread = new ArrayList<>();
      for (String line : lines) {
        String[] f = line.strip().split(" ");
        if (f.length == 4 && f[0].equals("round")) {
          double spans = Long.parseLong(f[1]) * (double) spansPerRequest;
          thread.add(Long.parseLong(f[2]) / spans);
          process.add(Long.parseLong(f[3]) / spans);
        }
      }
      if (process.isEmpty()) {
        throw new IllegalArgumentException("the baseline process reported no rounds: " + lines);
      }
      return new Baseline(median(process), median(thread));
    }

    private static double median(List<Double> values) {
      List<Double> sorted = values.stream().sorted().toList();
      int n = sorted.size();
      return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
  }

  private static Baseline baseline(List<String> jvm, Path work, List<byte[]> pool, int spansPerRequest)
      throws Exception {
    Path file = work.resolve("baseline-requests.bin");
    LoadBaselineCommand.write(file, pool);
    List<String> command = new ArrayList<>(jvm);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Cli.class.getName(),
        "load-baseline", "--pool", file.toString()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (child.waitFor() != 0) {
      throw new IOException("the baseline process failed: " + output.strip());
    }
    return Baseline.parse(output.lines().toList(), spansPerRequest);
  }

  private boolean randomIds() {
    return traceIds == TraceIds.random;
  }

  /**
   * {@code traces} traces of a root and 9 LLM calls, numbered from {@code firstTrace}; trace ids
   * scattered over the key space as real ones are, or ({@code randomIds} false) increasing.
   */
  static ExportTraceServiceRequest request(long firstTrace, int traces, long startMillis,
      boolean randomIds) {
    ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(Resource.newBuilder()
        .addAttributes(str("service.name", "research-service"))
        .addAttributes(str("gen_ai.agent.name", "researcher"))
        .addAttributes(str("telemetry.sdk.language", "java")));
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    String[] models = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "gemini-2.5-flash"};
    for (int t = 0; t < traces; t++) {
      long n = firstTrace + t;
      ByteString traceId = ByteString.copyFrom(
          ByteBuffer.allocate(16).putLong(firstHalf(n, randomIds)).putLong(n + 1).array());
      long start = startMillis * 1_000_000L;
      ByteString root = id(n, 0);
      scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(root).setName("POST /research")
          .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(start)
          .setEndTimeUnixNano(start + 5_000_000)
          .addAttributes(str("agentmeter.client.id", "client-" + (n % 7)))
          .addAttributes(str("agentmeter.task.id", String.format(Locale.ROOT, "task-%019d", n)))
          .addAttributes(str("http.request.method", "POST")));
      for (int i = 1; i < 10; i++) {
        String model = models[i % models.length];
        scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(id(n, i)).setParentSpanId(root)
            .setName("chat " + model).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(start + i * 1000L).setEndTimeUnixNano(start + 4_000_000)
            .addAttributes(str("gen_ai.operation.name", "chat"))
            .addAttributes(str("gen_ai.provider.name", model.startsWith("gpt") ? "openai"
                : model.startsWith("claude") ? "anthropic" : "gcp.gemini"))
            .addAttributes(str("gen_ai.request.model", model))
            .addAttributes(str("gen_ai.response.model", model))
            .addAttributes(str("gen_ai.agent.name", "agent-" + (i % 3)))
            .addAttributes(num("gen_ai.usage.input_tokens", 1200 + i))
            .addAttributes(num("gen_ai.usage.output_tokens", 300 + i))
            .addAttributes(num("gen_ai.usage.cache_read.input_tokens", 400))
            .addAttributes(str("gen_ai.response.id",
                String.format(Locale.ROOT, "chatcmpl-%019d-%d", n, i)))
            .addAttributes(str("server.address", "api.example.com"))
            .addAttributes(num("server.port", 443)));
      }
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(rs.addScopeSpans(scope)).build();
  }

  /**
   * Export requests made by patching one encoded template (ids, task and response ids, client) so
   * that the load generator spends little of the shared cores: the bytes are exactly those {@link
   * #request} would encode for the same trace numbers (all patched fields have a fixed width).
   */
  static final class Requests {
    private static final long TEMPLATE_FIRST = 0x0123_4567_89ABL;
    final long startMillis = System.currentTimeMillis();
    private final byte[] template;
    private final List<int[]> patches = new ArrayList<>(); // {offset, kind, trace, extra}

    private final boolean randomIds;

    Requests(int traces, boolean randomIds) {
      this.randomIds = randomIds;
      this.template = request(TEMPLATE_FIRST, traces, startMillis, randomIds).toByteArray();
      for (int t = 0; t < traces; t++) {
        long n = TEMPLATE_FIRST + t;
        find(ByteBuffer.allocate(16).putLong(firstHalf(n, randomIds)).putLong(n + 1).array(), 0, t, 0);
        for (int i = 0; i < 10; i++) {
          find(ByteBuffer.allocate(8).putLong((n << 8) | (i + 1)).array(), 1, t, i);
        }
        find(String.format(Locale.ROOT, "task-%019d", n).getBytes(StandardCharsets.US_ASCII), 2, t, 0);
        for (int i = 1; i < 10; i++) {
          find(String.format(Locale.ROOT, "chatcmpl-%019d-%d", n, i)
              .getBytes(StandardCharsets.US_ASCII), 3, t, i);
        }
        find(("client-" + (n % 7)).getBytes(StandardCharsets.US_ASCII), 4, t, 0);
      }
    }

    private void find(byte[] pattern, int kind, int trace, int extra) {
      outer:
      for (int at = 0; at <= template.length - pattern.length; at++) {
        for (int j = 0; j < pattern.length; j++) {
          if (template[at + j] != pattern[j]) {
            continue outer;
          }
        }
        patches.add(new int[] {at, kind, trace, extra});
      }
    }

    /** The request {@link #request}{@code (firstTrace, traces)} would build. */
    byte[] make(long firstTrace) {
      byte[] out = template.clone();
      for (int[] p : patches) {
        long n = firstTrace + p[2];
        switch (p[1]) {
          case 0 -> {
            putLong(out, p[0], firstHalf(n, randomIds));
            putLong(out, p[0] + 8, n + 1);
          }
          case 1 -> putLong(out, p[0], (n << 8) | (p[3] + 1));
          case 2 -> digits(out, p[0] + 5, n);
          case 3 -> digits(out, p[0] + 9, n);
          default -> out[p[0] + 7] = (byte) ('0' + n % 7);
        }
      }
      return out;
    }

    private static void putLong(byte[] out, int at, long value) {
      for (int i = 7; i >= 0; i--) {
        out[at + i] = (byte) value;
        value >>>= 8;
      }
    }

    private static void digits(byte[] out, int at, long value) {
      for (int i = 18; i >= 0; i--) {
        out[at + i] = (byte) ('0' + value % 10);
        value /= 10;
      }
    }
  }

  /**
   * The first half of trace {@code n}'s id: scattered as real trace ids are (they are random), so
   * that the ledger's indexes see inserts all over the key range, not only appends at one end; or
   * one constant, so that ids increase.
   */
  static long firstHalf(long n, boolean random) {
    if (!random) {
      return 0x5af92f3577b34da6L;
    }
    long z = n * 0x9E3779B97F4A7C15L + 0x5af92f3577b34da6L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static ByteString id(long trace, int i) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong((trace << 8) | (i + 1)).array());
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  private static double pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  private static long cpuNanos(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * 10_000_000L; // USER_HZ is 100 on Linux
  }

  private static long peakRssKb(long pid) throws IOException {
    Matcher m = Pattern.compile("VmHWM:\\s+(\\d+) kB")
        .matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static long storedSpans(HttpClient client, int api, long expected) throws Exception {
    // the value as the Prometheus client writes a double: 4.0, or 1.2E7 from ten million on
    Pattern received = Pattern.compile("(?m)^agentmeter_spans_received_total (\\S+)$");
    long value = -1;
    for (int i = 0; i < 100; i++) {
      String metrics = client.send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + api + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = received.matcher(metrics);
      if (m.find()) {
        value = (long) Double.parseDouble(m.group(1));
        if (value >= expected) {
          return value;
        }
      }
      Thread.sleep(100);
    }
    return value;
  }

  private static void waitHealthy(HttpClient client, int api) throws Exception {
    for (int i = 0; i < 300; i++) {
      try {
        if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the service did not start");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

}
