package io.agentmeter.javaagent.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmeter.testing.llm.FakeLlmServer;
import io.agentmeter.testing.llm.Scenario;
import io.agentmeter.testing.otlp.OtlpReceiver;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The extension's cost, measured, not asserted (figures go to docs/benchmarks.md). Runs only with
 * {@code -Dagentmeter.bench=true}:
 * {@code mvn -B verify -pl javaagent-extension -am -Dagentmeter.bench=true -Dit.test=OverheadBenchmarkIT}.
 *
 * <ul>
 *   <li>per call: the same loop of OpenAI chat calls against the fake server, with the agent and
 *       our instrumentation on, and with it switched off; the difference is what we add;
 *   <li>start-up: a trivial main under the agent alone and under the agent with the extension.
 * </ul>
 */
class OverheadBenchmarkIT {

  @Test
  void measure() throws Exception {
    assumeTrue(Boolean.getBoolean("agentmeter.bench"), "benchmarks run with -Dagentmeter.bench=true");
    int calls = Integer.getInteger("agentmeter.bench.calls", 20_000);
    try (FakeLlmServer llm = FakeLlmServer.start(Scenario.fromResource(ExtensionIT.class, "fake-provider.properties"));
        OtlpReceiver otlp = OtlpReceiver.start()) {
      List<Long> on = new ArrayList<>();
      List<Long> off = new ArrayList<>();
      List<Long> onCpu = new ArrayList<>();
      List<Long> offCpu = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        long[] a = bench(llm, otlp, calls, false);
        off.add(a[0]);
        offCpu.add(a[1]);
        long[] b = bench(llm, otlp, calls, true);
        on.add(b[0]);
        onCpu.add(b[1]);
      }
      List<Long> startAgent = new ArrayList<>();
      List<Long> startExtension = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        startAgent.add(startup(otlp, false));
        startExtension.add(startup(otlp, true));
      }
      System.out.printf("per call wall (%d calls, 3 rounds): instrumentation on %s ns, off %s ns;"
          + " median difference %d ns%n", calls, on, off, median(on) - median(off));
      System.out.printf("per call application CPU: on %s ns, off %s ns; median difference %d ns%n",
          onCpu, offCpu, median(onCpu) - median(offCpu));
      System.out.printf("start-up (5 runs): agent alone %s ms, agent + extension %s ms;"
          + " median difference %d ms%n", startAgent, startExtension,
          median(startExtension) - median(startAgent));
    }
  }

  private static long[] bench(FakeLlmServer llm, OtlpReceiver otlp, int calls, boolean ours) throws Exception {
    List<String> command = agent(otlp, true);
    // Spans are made and processed but not exported: exporting shares the cores with the fake
    // server and would measure the agent's exporter, not our instrumentation.
    command.add("-Dotel.traces.exporter=none");
    if (!ours) {
      command.add("-Dotel.instrumentation.agentmeter-openai.enabled=false");
    }
    command.addAll(List.of("-cp", classpath(), DemoApp.class.getName(), "bench",
        llm.baseUrl(), Integer.toString(calls)));
    Path log = Files.createTempFile("bench", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    p.waitFor(10, TimeUnit.MINUTES);
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("BENCH "))
        .map(l -> l.substring(6).trim().split(" "))
        .map(f -> new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])}).findFirst()
        .orElseThrow(() -> new AssertionError("no BENCH line in " + log));
  }

  private static long startup(OtlpReceiver otlp, boolean extension) throws Exception {
    List<String> command = agent(otlp, extension);
    command.addAll(List.of("-cp", classpath(), DemoApp.class.getName(), "noop"));
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    p.waitFor(2, TimeUnit.MINUTES);
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static List<String> agent(OtlpReceiver otlp, boolean extension) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-javaagent:" + System.getProperty("agentmeter.it.agentJar"));
    if (extension) {
      command.add("-Dotel.javaagent.extensions=" + System.getProperty("agentmeter.it.extensionJar"));
    }
    command.add("-Dotel.traces.exporter=otlp");
    command.add("-Dotel.exporter.otlp.protocol=http/protobuf");
    command.add("-Dotel.exporter.otlp.endpoint=" + otlp.baseUrl());
    command.add("-Dotel.metrics.exporter=none");
    command.add("-Dotel.logs.exporter=none");
    command.add("-Dotel.instrumentation.openai.enabled=false");
    return command;
  }

  private static String classpath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> !p.endsWith("javaagent-extension" + File.separator + "target" + File.separator + "classes"))
        .filter(p -> !p.contains("opentelemetry-sdk") && !p.contains("opentelemetry-javaagent")
            && !p.contains("byte-buddy") && !p.contains("opentelemetry-instrumentation")
            && !p.contains("auto-service") && !p.contains("autoconfigure"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static long median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().collect(Collectors.toList());
    return sorted.get(sorted.size() / 2);
  }
}
