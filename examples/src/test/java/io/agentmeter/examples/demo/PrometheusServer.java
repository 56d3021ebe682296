package io.agentmeter.examples.demo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's package, which {@code .ci/run} installs) scraping one target
 * every second, and its HTTP query API.
 */
final class PrometheusServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private final Process process;
  private final String base;
  private final HttpClient http = HttpClient.newHttpClient();

  private PrometheusServer(Process process, String base) {
    this.process = process;
    this.base = base;
  }

  /** The prometheus binary on the PATH, or {@code null}. */
  static Path binary() {
    return onPath("prometheus");
  }

  /** The executable {@code name} on the PATH, or {@code null}. */
  static Path onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  static PrometheusServer start(Path binary, Path dir, String target) throws Exception {
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: agentmeter",
        "    static_configs:",
        "      - targets: ['" + target + "']",
        ""));
    int port = Demo.freePort();
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    PrometheusServer server = new PrometheusServer(process, "http://127.0.0.1:" + port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      try {
        if (server.http.send(HttpRequest.newBuilder(URI.create(server.base + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    server.close();
    throw new IOException("prometheus was not ready in 60 s");
  }

  /** An instant query's vector, by the value of {@code label}. */
  Map<String, BigDecimal> vector(String promql, String label) throws IOException, InterruptedException {
    return vector(promql, label, null);
  }

  /**
   * An instant query's vector evaluated at {@code time} (seconds since the epoch, as Prometheus
   * writes sample times; now when {@code null}), by the value of {@code label}.
   */
  Map<String, BigDecimal> vector(String promql, String label, String time)
      throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8) + (time == null ? "" : "&time=" + time)))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    if (!body.path("status").asText().equals("success")) {
      throw new IOException("query " + promql + " failed: " + response.body());
    }
    Map<String, BigDecimal> result = new LinkedHashMap<>();
    for (JsonNode sample : body.path("data").path("result")) {
      result.put(sample.path("metric").path(label).asText(), new BigDecimal(sample.path("value").get(1).asText()));
    }
    return result;
  }

  /** When the last scrape of {@code job} was, as Prometheus writes sample times (seconds). */
  String lastScrape(String job) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
        + URLEncoder.encode("timestamp(up{job=\"" + job + "\"})", StandardCharsets.UTF_8))).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode result = JSON.readTree(response.body()).path("data").path("result");
    if (result.isEmpty()) {
      throw new IOException("no scrape of " + job + " yet: " + response.body());
    }
    return result.get(0).path("value").get(1).asText();
  }

  /** Which targets are up: {@code up} by job. */
  List<String> upJobs() throws IOException, InterruptedException {
    return vector("up == 1", "job").keySet().stream().toList();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
