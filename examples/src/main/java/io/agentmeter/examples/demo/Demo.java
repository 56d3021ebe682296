package io.agentmeter.examples.demo;

import io.agentmeter.testing.llm.FakeLlmServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-command demo: starts the fake LLM provider, the cost processor on its embedded defaults
 * (a SQLite ledger file), the research service and the orchestrator under the OpenTelemetry Java
 * agent with the AgentMeter extension; asks for three research reports for two clients; and prints
 * what they cost, read back from the processor's query API.
 */
public final class Demo {

  /** A report the demo asks for: the client and task travel as W3C baggage from the entry point. */
  public record Request(String client, String task, String topic) {}

  /** The three reports: two clients, three tasks. */
  public static final List<Request> REQUESTS = List.of(
      new Request("acme", "report-acme-1", "EU battery tariffs"),
      new Request("globex", "report-globex-1", "lithium supply chains"),
      new Request("acme", "report-acme-2", "chip export controls"));

  static final String AGENT_MAPPING = "io.agentmeter.examples.orchestrator.Planner#plan=planner;"
      + "io.agentmeter.examples.orchestrator.Writer#write=writer;"
      + "io.agentmeter.examples.orchestrator.Reviewer#review=reviewer";
  private static final Pattern SPANS_RECEIVED =
      Pattern.compile("(?m)^agentmeter_spans_received_total(?:\\{[^}]*})? (\\S+)$");
  private static final Pattern TRACES_OPEN = Pattern.compile("(?m)^agentmeter_traces_open(?:\\{[^}]*})? (\\S+)$");

  private Demo() {}

  public static void main(String[] args) throws Exception {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("agentmeter demo: " + e.getMessage());
      System.err.println(DemoOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.println(DemoOptions.USAGE);
      return;
    }
    try (Running demo = start(options, System.out)) {
      demo.report().print(System.out);
      demo.printWhereToLook(System.out);
      if (options.keepRunning()) {
        System.out.println("\nThe processor keeps running (API on " + demo.apiBase() + "); Ctrl-C to stop.");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            demo.close();
          } catch (Exception ignored) {
            // on the way out
          }
        }));
        Thread.currentThread().join();
      }
    } catch (IOException | IllegalStateException e) {
      System.err.println("agentmeter demo failed: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Runs the workflow and waits until the processor has rolled every trace up. */
  public static Running start(DemoOptions options, PrintStream out) throws IOException, InterruptedException {
    options.check();
    Path work = options.workDir().toAbsolutePath();
    Files.createDirectories(work);
    Path sqlite = work.resolve("agentmeter-demo-ledger.db");
    String ledger = options.ledger() == null ? sqlite.toString() : options.ledger();
    if (options.ledger() == null) {
      // the ledger, and the requests it received (kept beside it), each with its log files
      for (String suffix : new String[] {"", "-wal", "-shm", ".batches", ".batches-wal",
          ".batches-shm"}) {
        Files.deleteIfExists(Path.of(sqlite + suffix));
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<AutoCloseable> started = new ArrayList<>();
    Running running = null;
    try {
      FakeLlmServer llm = FakeLlmServer.start(options.loadScenario(), "127.0.0.1", 0);
      started.add(llm);
      out.println("fake LLM provider   " + llm.baseUrl() + " (OpenAI and Anthropic wire formats)");

      int otlpPort = available(options.otlpHttpPort(), "OTLP/HTTP", out);
      int apiPort = available(options.apiPort(), "API", out);
      List<String> serve = new ArrayList<>(List.of("-jar", options.processorJar().toString(), "serve",
          "--ledger", ledger, "--otlp-grpc-port", "-1",
          "--otlp-http-port", Integer.toString(otlpPort),
          "--api-port", Integer.toString(apiPort), "--bind", "127.0.0.1", "--trace-grace", "1s"));
      if (options.forward() != null) {
        serve.addAll(List.of("--forward", options.forward()));
      }
      JvmProcess processor =
          JvmProcess.start("processor", work, List.of("-Xmx512m", "-XX:+UseParallelGC"), serve);
      started.add(processor);
      processor.awaitLine("agentmeter is running", Duration.ofSeconds(60));
      String apiBase = "http://127.0.0.1:" + apiPort;
      out.println("cost processor      OTLP http://127.0.0.1:" + otlpPort + ", API " + apiBase
          + (options.forward() == null ? "" : ", forwarding to " + options.forward()));

      int researchPort = freePort();
      JvmProcess research = JvmProcess.start("research-service", work,
          agentArgs(options, otlpPort, "research-service", "gen_ai.agent.name=researcher"),
          List.of("-cp", options.demoJar().toString(), "io.agentmeter.examples.research.ResearchService",
              Integer.toString(researchPort), llm.baseUrl()));
      started.add(research);
      int orchestratorPort = freePort();
      List<String> orchestratorArgs = new ArrayList<>(agentArgs(options, otlpPort, "orchestrator", ""));
      orchestratorArgs.add("-Dotel.instrumentation.agentmeter.agents=" + AGENT_MAPPING);
      JvmProcess orchestrator = JvmProcess.start("orchestrator", work, orchestratorArgs,
          List.of("-cp", options.demoJar().toString(), "io.agentmeter.examples.orchestrator.Orchestrator",
              Integer.toString(orchestratorPort), llm.baseUrl(), "http://127.0.0.1:" + researchPort));
      started.add(orchestrator);
      research.awaitLine("READY", Duration.ofSeconds(90));
      orchestrator.awaitLine("READY", Duration.ofSeconds(90));
      out.println("services            orchestrator (planner, writer, reviewer) and research-service "
          + "(researcher), each with -javaagent and the AgentMeter extension");

      for (Request request : REQUESTS) {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + orchestratorPort + "/reports?topic=" + URLEncoder.encode(request.topic(), StandardCharsets.UTF_8)))
            .header("baggage", "agentmeter.task.id=" + request.task() + ",agentmeter.client.id=" + request.client())
            .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(120)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
          throw new IOException("the orchestrator answered " + answer.statusCode() + " for " + request + ": "
              + answer.body() + "; see " + orchestrator.log());
        }
        out.println("report              " + request.task() + " for " + request.client() + ": '" + request.topic()
            + "' done");
      }
      // Stopping the services flushes their last spans; then the processor rolls every trace up.
      orchestrator.close();
      research.close();
      awaitRolledUp(http, apiBase, REQUESTS.size(), Duration.ofSeconds(60));
      running = new Running(started, llm, ledger, work, apiBase, CostReport.read(http, apiBase), options);
      return running;
    } finally {
      if (running == null) {
        closeAll(started);
      }
    }
  }

  private static List<String> agentArgs(DemoOptions options, int otlpPort, String service, String resource) {
    List<String> args = new ArrayList<>();
    args.add("-javaagent:" + options.agentJar());
    args.add("-Dotel.javaagent.extensions=" + options.extensionJar());
    args.add("-Dotel.service.name=" + service);
    args.add("-Dotel.resource.attributes=deployment.environment.name=demo"
        + (resource.isEmpty() ? "" : "," + resource));
    args.add("-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + otlpPort);
    args.add("-Dotel.exporter.otlp.protocol=http/protobuf");
    args.add("-Dotel.metrics.exporter=none");
    args.add("-Dotel.logs.exporter=none");
    args.add("-Dotel.bsp.schedule.delay=200");
    args.add("-Xmx256m");
    return args;
  }

  /**
   * Waits until no trace is open, the ledger holds at least {@code traces} rollups, and no span
   * arrived since the previous look (a span acknowledged an instant ago may not have joined its
   * trace yet).
   */
  private static void awaitRolledUp(HttpClient http, String apiBase, int traces, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    String settledAt = null;
    while (System.nanoTime() < deadline) {
      String metrics = http.send(HttpRequest.newBuilder(URI.create(apiBase + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher open = TRACES_OPEN.matcher(metrics);
      Matcher received = SPANS_RECEIVED.matcher(metrics);
      String receivedNow = received.find() ? received.group(1) : "?";
      if (!open.find()) {
        last = "no agentmeter_traces_open metric";
        settledAt = null;
      } else if (Double.parseDouble(open.group(1)) != 0) {
        last = "traces still open: " + open.group(1);
        settledAt = null;
      } else {
        int closed = CostReport.get(http, apiBase + "/api/v1/traces?sort=cost&limit=1000").path("traces").size();
        last = closed + " of " + traces + " traces rolled up";
        if (closed < traces) {
          settledAt = null;
        } else if (receivedNow.equals(settledAt)) {
          return;
        } else {
          settledAt = receivedNow;
        }
      }
      Thread.sleep(250);
    }
    throw new IOException("the processor did not roll the demo's traces up in time (" + last + ")");
  }

  /** {@code port} when it is free on loopback, else a free one (and says so). */
  private static int available(int port, String what, PrintStream out) throws IOException {
    try (ServerSocket probe = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return port;
    } catch (IOException taken) {
      int other = freePort();
      out.println("note                port " + port + " is taken (another collector?): the demo's processor"
          + " uses " + what + " port " + other + " instead");
      return other;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void closeAll(List<AutoCloseable> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception ignored) {
        // best effort on the way out; each part has its own log
      }
    }
  }

  /** The demo after its workflow: the processor still runs until this is closed. */
  public static final class Running implements AutoCloseable {
    private final List<AutoCloseable> started;
    private final FakeLlmServer llm;
    private final String ledger;
    private final Path work;
    private final String apiBase;
    private final CostReport report;
    private final DemoOptions options;

    Running(List<AutoCloseable> started, FakeLlmServer llm, String ledger, Path work, String apiBase,
        CostReport report, DemoOptions options) {
      this.started = started;
      this.llm = llm;
      this.ledger = ledger;
      this.work = work;
      this.apiBase = apiBase;
      this.report = report;
      this.options = options;
    }

    public CostReport report() {
      return report;
    }

    /** The ledger: the SQLite file's path or the PostgreSQL URL. */
    public String ledger() {
      return ledger;
    }

    public String apiBase() {
      return apiBase;
    }

    /** What the fake provider answered, in order. */
    public List<FakeLlmServer.Call> llmCalls() {
      return llm.calls();
    }

    void printWhereToLook(PrintStream out) {
      String jar = options.processorJar().toString();
      String shown = ledger.startsWith("jdbc:") ? "'" + ledger + "'" : ledger;
      out.printf("%nThe ledger is %s (%s). Query it:%n", shown, ledger.startsWith("jdbc:") ? "PostgreSQL" : "SQLite");
      out.printf("  java -jar %s report --ledger %s --by agent%n", jar, shown);
      out.printf("  java -jar %s report --ledger %s --by trace --format json%n", jar, shown);
      out.printf("While the processor runs (--keep-running), its API answers:%n");
      out.printf("  curl '%s/api/v1/costs?groupBy=client'%n", apiBase);
      out.printf("  curl '%s/api/v1/traces?sort=cost&limit=5'%n", apiBase);
      out.printf("  curl %s/metrics%n", apiBase);
      out.printf("Logs of every process: %s%n", work);
    }

    @Override
    public void close() {
      closeAll(started);
    }
  }

  static Path ownJar() {
    try {
      return Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | RuntimeException e) {
      return Path.of("examples/target/agentmeter-demo.jar");
    }
  }
}
