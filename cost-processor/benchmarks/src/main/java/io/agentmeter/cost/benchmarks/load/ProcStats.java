package io.agentmeter.cost.benchmarks.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A process's CPU time (in all and by pipeline stage) and peak RSS, read from Linux's {@code /proc}. */
final class ProcStats {

  /** USER_HZ is 100 on Linux: one clock tick is 10 ms. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** Thread name prefixes and their stage; the service's only HTTP client is its forwarder's. */
  private static final String[][] STAGES = {
      {"agentmeter-otlp", "receive"}, {"agentmeter-ledg", "ingest"},
      {"agentmeter-trac", "rollup"}, {"agentmeter-roll", "store"},
      {"agentmeter-forw", "forward"}, {"HttpClient-", "forward"}};

  private ProcStats() {}

  /** The process's CPU time so far, user and system. */
  static long cpuNanos(long pid) throws IOException {
    return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) * NANOS_PER_TICK;
  }

  /** The process's peak resident set, in KiB, or -1 when {@code /proc} does not say. */
  static long peakRssKb(long pid) throws IOException {
    Matcher m = Pattern.compile("VmHWM:\\s+(\\d+) kB")
        .matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /**
   * The service's CPU time so far by stage: its threads' times from {@code /proc}, summed by name
   * with instance numbers dropped (the OTLP/HTTP threads are one stage, G1's workers another).
   */
  static Map<String, Long> stageCpuNanos(long pid) {
    Map<String, Long> stages = new TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          stages.merge(stage(name), ticks(stat) * NANOS_PER_TICK, Long::sum);
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

  /** The stages that took at least 2 % of the measured CPU, largest first, in ns per span. */
  static String stages(Map<String, Long> before, Map<String, Long> after, long spans) {
    long total = 0;
    Map<String, Long> used = new HashMap<>();
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

  /** User plus system clock ticks from a {@code stat} line (fields 14 and 15). */
  private static long ticks(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
