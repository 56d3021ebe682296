package io.agentmeter.cost.benchmarks.load;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code agentmeter-load load-baseline} (hidden; started by {@code load}): bare protobuf parse +
 * re-serialize of the load's requests on one thread, in a JVM started with the service's heap and
 * collector, so the baseline is counted as the service is: the whole process's CPU, its garbage
 * collection and compilation included. Prints one line per measured round:
 * {@code round <requests> <thread CPU ns> <process CPU ns>}.
 */
@Command(name = "load-baseline", hidden = true,
    description = "Internal: the load command's baseline, run in a JVM like the service's.")
final class LoadBaselineCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--pool", required = true, description = "The requests, each an int length and its bytes.")
  Path pool;

  @Option(names = "--warmup-seconds", defaultValue = "3")
  int warmupSeconds;

  @Option(names = "--rounds", defaultValue = "5")
  int rounds;

  @Option(names = "--round-seconds", defaultValue = "2")
  int roundSeconds;

  @Override
  public Integer call() throws Exception {
    List<byte[]> bodies = read(pool);
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    PrintWriter out = spec.commandLine().getOut();
    long sink = 0;
    sink += loop(bodies, warmupSeconds);
    for (int round = 0; round < rounds; round++) {
      long thread0 = threads.getCurrentThreadCpuTime();
      long process0 = os.getProcessCpuTime();
      long requests = loop(bodies, roundSeconds);
      long thread1 = threads.getCurrentThreadCpuTime();
      long process1 = os.getProcessCpuTime();
      out.printf("round %d %d %d%n", requests, thread1 - thread0, process1 - process0);
      sink += requests;
    }
    out.flush();
    return sink > 0 ? 0 : 1;
  }

  /** Parses and re-serializes every request, over and over, for {@code seconds}; how many. */
  private static long loop(List<byte[]> bodies, int seconds) throws IOException {
    long requests = 0;
    long bytes = 0;
    long until = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < until) {
      for (byte[] body : bodies) {
        bytes += ExportTraceServiceRequest.parseFrom(body).toByteArray().length;
        requests++;
      }
    }
    return bytes > 0 ? requests : 0;
  }

  /** Writes requests as {@link #read} reads them: each an int length and its bytes. */
  static void write(Path file, List<byte[]> bodies) throws IOException {
    try (DataOutputStream out =
        new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
      for (byte[] body : bodies) {
        out.writeInt(body.length);
        out.write(body);
      }
    }
  }

  static List<byte[]> read(Path file) throws IOException {
    List<byte[]> bodies = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file);
        DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in))) {
      while (data.available() > 0) {
        byte[] body = new byte[data.readInt()];
        data.readFully(body);
        bodies.add(body);
      }
    }
    return bodies;
  }
}
