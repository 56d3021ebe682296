package io.agentmeter.cost.benchmarks.load;

import io.agentmeter.processor.cli.Cli;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service under load: {@code agentmeter serve} in a JVM of its own on loopback ports, its
 * output in {@code serve.log} beside the ledger.
 */
final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final int otlpPort;
  private final int apiPort;

  private ServiceProcess(Process process, int otlpPort, int apiPort) {
    this.process = process;
    this.otlpPort = otlpPort;
    this.apiPort = apiPort;
  }

  /**
   * Starts {@code serve} on a fresh SQLite ledger.
   *
   * @param jvm the java launcher and the service's JVM arguments; the service's classes are those
   *     on this JVM's class path (the load tool's jar bundles them), or those of the system
   *     property {@code agentmeter.load.service-classpath} (another build's service jar, to
   *     measure two builds with one load tool)
   * @param forward where the service forwards costed spans, or {@code null}
   */
  static ServiceProcess start(List<String> jvm, Path work, Path ledger, String forward)
      throws IOException {
    int otlp = freePort();
    int api = freePort();
    List<String> command = new ArrayList<>(jvm);
    command.addAll(List.of("-cp", System.getProperty("agentmeter.load.service-classpath",
            System.getProperty("java.class.path")), Cli.class.getName(),
        "serve", "--ledger", ledger.toString(),
        "--otlp-http-port", Integer.toString(otlp), "--otlp-grpc-port", "-1",
        "--api-port", Integer.toString(api), "--bind", "127.0.0.1", "--trace-grace", "500ms"));
    if (forward != null) {
      command.addAll(List.of("--forward", forward));
    }
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("serve.log").toFile())
        .start();
    return new ServiceProcess(process, otlp, api);
  }

  long pid() {
    return process.pid();
  }

  /** Where export requests go. */
  URI traces() {
    return URI.create("http://127.0.0.1:" + otlpPort + "/v1/traces");
  }

  /** Waits until the service answers its health check (30 s at most). */
  void waitHealthy(HttpClient client) throws Exception {
    for (int i = 0; i < 300; i++) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the service exited with " + process.exitValue()
            + " (its output is in serve.log)");
      }
      try {
        if (client.send(HttpRequest.newBuilder(api("/healthz")).build(),
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

  /**
   * The spans the service says it received ({@code agentmeter_spans_received_total}), once it
   * reaches {@code expected} or after 10 s.
   */
  long receivedSpans(HttpClient client, long expected) throws Exception {
    long value = -1;
    for (int i = 0; i < 100; i++) {
      value = metric(client, "agentmeter_spans_received_total");
      if (value >= expected) {
        return value;
      }
      Thread.sleep(100);
    }
    return value;
  }

  /** A counter from the service's {@code /metrics}, or -1 when it has none of that name. */
  long metric(HttpClient client, String name) throws Exception {
    String metrics = client.send(HttpRequest.newBuilder(api("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    // the value as the Prometheus client writes a double: 4.0, or 1.2E7 from ten million on
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  /** Stops the service as an operator would (SIGTERM: open traces are rolled up) and waits. */
  void stop() throws InterruptedException {
    process.destroy();
    process.waitFor(120, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private URI api(String path) {
    return URI.create("http://127.0.0.1:" + apiPort + path);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
