package io.agentmeter.examples.demo;

import io.agentmeter.testing.llm.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The demo's options, from flags and environment variables ({@code AGENTMETER_DEMO_FORWARD} and
 * so on); a flag wins. Paths default to the build's outputs, relative to the repository root.
 */
public record DemoOptions(
    String forward, String ledger, Path scenario, int apiPort, int otlpHttpPort, Path workDir, boolean keepRunning, Path agentJar,
    Path extensionJar, Path processorJar, Path demoJar, boolean help) {

  static final String USAGE = String.join("\n",
      "usage: examples/demo.sh [options]   (or: java -jar examples/target/agentmeter-demo.jar [options])",
      "Runs the research-report workflow under the OpenTelemetry Java agent with the AgentMeter extension,",
      "costs it with the cost processor on its embedded defaults, and prints the cost report.",
      "  --forward URL         also send the costed spans to an OTLP backend: http://jaeger:4318 or",
      "                        grpc://tempo:4317 (env AGENTMETER_DEMO_FORWARD)",
      "  --ledger URL          a jdbc:postgresql://host/db?user=... ledger instead of the demo's own SQLite file",
      "                        (env AGENTMETER_DEMO_LEDGER); the demo's rows add to what is there",
      "  --scenario FILE       the fake provider's token counts and failures (default: the bundled",
      "                        scenario.properties, which the demo's figures are computed from)",
      "  --keep-running        keep the processor and its API up after the report; Ctrl-C stops it",
      "  --api-port N          the processor's API and /metrics port (default 8790; AGENTMETER_DEMO_API_PORT)",
      "  --otlp-http-port N    the processor's OTLP/HTTP port (default 4318; AGENTMETER_DEMO_OTLP_HTTP_PORT)",
      "  --work-dir DIR        ledger and logs (default examples/target/demo; AGENTMETER_DEMO_WORK_DIR)",
      "  --agent JAR, --extension JAR, --processor JAR, --demo-jar JAR",
      "                        the jars to run (default: this build's)",
      "  --help");

  /** Reads {@code args}, then {@code env} for what the flags leave unset. */
  public static DemoOptions parse(String[] args, Map<String, String> env) {
    String forward = env.get("AGENTMETER_DEMO_FORWARD");
    String ledger = env.get("AGENTMETER_DEMO_LEDGER");
    String apiPort = env.getOrDefault("AGENTMETER_DEMO_API_PORT", "8790");
    String otlpPort = env.getOrDefault("AGENTMETER_DEMO_OTLP_HTTP_PORT", "4318");
    String work = env.getOrDefault("AGENTMETER_DEMO_WORK_DIR", "examples/target/demo");
    Path scenario = null;
    boolean keep = false;
    boolean help = false;
    Path agent = Path.of("examples/target/agent/opentelemetry-javaagent.jar");
    Path extension = Path.of("javaagent-extension/target/agentmeter-javaagent-extension.jar");
    Path processor = Path.of("cost-processor/service/target/agentmeter.jar");
    Path demoJar = Demo.ownJar();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--keep-running" -> keep = true;
        case "--help", "-h" -> help = true;
        case "--forward" -> forward = value(args, ++i, arg);
        case "--ledger" -> ledger = value(args, ++i, arg);
        case "--scenario" -> scenario = Path.of(value(args, ++i, arg));
        case "--api-port" -> apiPort = value(args, ++i, arg);
        case "--otlp-http-port" -> otlpPort = value(args, ++i, arg);
        case "--work-dir" -> work = value(args, ++i, arg);
        case "--agent" -> agent = Path.of(value(args, ++i, arg));
        case "--extension" -> extension = Path.of(value(args, ++i, arg));
        case "--processor" -> processor = Path.of(value(args, ++i, arg));
        case "--demo-jar" -> demoJar = Path.of(value(args, ++i, arg));
        default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
      }
    }
    if (forward != null && forward.isBlank()) {
      forward = null;
    }
    if (ledger != null && ledger.isBlank()) {
      ledger = null;
    }
    if (ledger != null && !ledger.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("--ledger must be a jdbc:postgresql: URL (the default is the demo's own "
          + "SQLite file), not '" + ledger + "'");
    }
    return new DemoOptions(forward, ledger, scenario, port(apiPort, "--api-port"), port(otlpPort, "--otlp-http-port"),
        Path.of(work), keep, agent, extension, processor, demoJar, help);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int port(String value, String option) {
    try {
      int port = Integer.parseInt(value);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a port number, not '" + value + "'");
    }
  }

  /** Fails, naming the file and the command that builds it, when a jar is missing. */
  void check() {
    for (Path jar : new Path[] {agentJar, extensionJar, processorJar, demoJar}) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(jar + " is missing: run `mvn -B -q package -DskipTests` from the "
            + "repository root first (examples/demo.sh does both)");
      }
    }
  }

  /** The scenario the demo's figures are computed from ({@code scenario.properties} beside this class). */
  static Scenario bundledScenario() {
    return Scenario.fromResource(DemoOptions.class, "scenario.properties");
  }

  /** The fake provider's scenario: the file given, else the bundled one. */
  Scenario loadScenario() {
    if (scenario == null) {
      return bundledScenario();
    }
    try {
      return Scenario.parse(Files.readString(scenario));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read the scenario " + scenario + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("scenario " + scenario + ": " + e.getMessage(), e);
    }
  }

  /** The same options with a PostgreSQL ledger. */
  public DemoOptions withLedger(String jdbcUrl) {
    return new DemoOptions(forward, jdbcUrl, scenario, apiPort, otlpHttpPort, workDir, keepRunning, agentJar, extensionJar,
        processorJar, demoJar, help);
  }

  /** The same options with other ports and work directory (for tests). */
  public DemoOptions withPorts(int api, int otlpHttp, Path work) {
    return new DemoOptions(forward, ledger, scenario, api, otlpHttp, work, keepRunning, agentJar, extensionJar, processorJar,
        demoJar, help);
  }
}
