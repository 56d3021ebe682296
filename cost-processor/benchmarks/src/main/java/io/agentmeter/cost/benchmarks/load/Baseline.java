package io.agentmeter.cost.benchmarks.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU per span of bare protobuf parse + re-serialize of the load's requests, on one thread, in a
 * JVM started as the service is (same heap, collector and arguments), counted as the service is
 * (the whole process: its collection and compilation included) and on the thread alone.
 */
record Baseline(double processNanosPerSpan, double threadNanosPerSpan) {

  /**
   * Runs {@link LoadBaselineCommand} on {@code pool} in a child JVM started with {@code jvm} (the
   * java launcher and the service's JVM arguments) and this JVM's class path.
   */
  static Baseline measure(List<String> jvm, Path work, List<byte[]> pool, int spansPerRequest)
      throws IOException, InterruptedException {
    Path file = work.resolve("baseline-requests.bin");
    LoadBaselineCommand.write(file, pool);
    List<String> command = new ArrayList<>(jvm);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadCli.class.getName(),
        "load-baseline", "--pool", file.toString()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (child.waitFor() != 0) {
      throw new IOException("the baseline process failed: " + output.strip());
    }
    return parse(output.lines().toList(), spansPerRequest);
  }

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
