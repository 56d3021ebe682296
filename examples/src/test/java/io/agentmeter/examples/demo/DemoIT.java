package io.agentmeter.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentmeter.examples.demo.CostReport.Trace;
import io.agentmeter.testing.llm.FakeLlmServer.Call;
import io.agentmeter.testing.otlp.OtlpReceiver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo end to end, as a user runs it: the fake provider, the processor on its embedded
 * defaults, both services under the real OpenTelemetry Java agent with our extension, three
 * reports for two clients. Every figure is checked against one computed here by hand from the fake
 * provider's token counts ({@code scenario.properties}) and the bundled catalogue's prices; a real
 * Prometheus scrapes the processor and its spend by agent must match the ledger.
 */
class DemoIT {

  // Bundled catalogue, USD per million tokens (as of 2026-07-24, see docs/default-catalogue.md).
  private static final BigDecimal PLANNER_CALL = usd("2.50", 1500).add(usd("10.00", 400));          // gpt-4o
  private static final BigDecimal LOOKUP = usd("0.02", 500);                                      // text-embedding-3-small
  private static final BigDecimal RESEARCH_CALL =                                                 // gpt-4.1, 2000 cached
      usd("2.00", 6000 - 2000).add(usd("0.50", 2000)).add(usd("8.00", 1200));
  private static final BigDecimal WRITER_CACHE_WRITE =                                            // claude-sonnet-4-5
      usd("3.00", 1200).add(usd("3.75", 2000)).add(usd("15.00", 900));
  private static final BigDecimal WRITER_CACHE_READ =
      usd("3.00", 1200).add(usd("0.30", 2000)).add(usd("15.00", 900));
  private static final BigDecimal REVIEWER_CALL = usd("0.15", 2500).add(usd("0.60", 300));        // gpt-4o-mini

  private static Demo.Running demo;
  private static CostReport report;
  private static PrometheusServer prometheus;
  private static String printed;
  /** Stands in for Jaeger or Tempo: receives what the processor forwards. */
  private static OtlpReceiver jaeger;

  @BeforeAll
  static void runTheDemo() throws Exception {
    Path work = Files.createTempDirectory("agentmeter-demo-it");
    int apiPort = Demo.freePort();
    jaeger = OtlpReceiver.start();
    DemoOptions options = DemoOptions.parse(new String[] {"--forward", jaeger.baseUrl(),
        "--agent", System.getProperty("agentmeter.demo.agentJar"),
        "--extension", System.getProperty("agentmeter.demo.extensionJar"),
        "--processor", System.getProperty("agentmeter.demo.processorJar"),
        "--demo-jar", System.getProperty("agentmeter.demo.jar")}, Map.of())
        .withPorts(apiPort, Demo.freePort(), work);
    Path binary = PrometheusServer.binary();
    if (binary == null && Boolean.getBoolean("agentmeter.require.prometheus")) {
      throw new IllegalStateException("prometheus is required (agentmeter.require.prometheus) but not on the PATH");
    }
    if (binary != null) {
      prometheus = PrometheusServer.start(binary, work.resolve("prometheus"), "127.0.0.1:" + apiPort);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    demo = Demo.start(options, new PrintStream(out, true, StandardCharsets.UTF_8));
    report = demo.report();
    report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
    printed = out.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
  }

  @AfterAll
  static void stop() throws Exception {
    if (demo != null) {
      demo.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
    if (jaeger != null) {
      jaeger.close();
    }
  }

  @Test
  void eachReportIsOneCompleteTraceWithTheHandComputedTotal() {
    BigDecimal first = PLANNER_CALL.add(LOOKUP).add(RESEARCH_CALL).add(WRITER_CACHE_WRITE)
        .add(WRITER_CACHE_READ).add(REVIEWER_CALL);
    BigDecimal later = PLANNER_CALL.add(LOOKUP).add(RESEARCH_CALL).add(WRITER_CACHE_READ)
        .add(WRITER_CACHE_READ).add(REVIEWER_CALL);
    assertThat(first).isEqualByComparingTo("0.069215");
    assertThat(later).isEqualByComparingTo("0.062315");
    List<Trace> traces = new ArrayList<>(report.traces());
    traces.sort(Comparator.comparing(Trace::total).reversed());
    assertThat(traces).hasSize(3).allMatch(Trace::complete);
    assertThat(traces.get(0).total()).isEqualByComparingTo(first);
    assertThat(traces.get(0).client()).isEqualTo("acme");
    assertThat(traces.get(1).total()).isEqualByComparingTo(later);
    assertThat(traces.get(2).total()).isEqualByComparingTo(later);
    assertThat(traces.stream().map(Trace::client).sorted()).containsExactly("acme", "acme", "globex");
    assertThat(report.total()).isEqualByComparingTo(first.add(later).add(later));
  }

  @Test
  void costSplitsByAgentWithTheSharedLookupHalvedBetweenPlannerAndResearcher() {
    BigDecimal half = LOOKUP.divide(BigDecimal.valueOf(2));
    assertThat(CostReport.cost(report.byAgent(), "planner"))
        .isEqualByComparingTo(PLANNER_CALL.add(half).multiply(BigDecimal.valueOf(3)));
    assertThat(CostReport.cost(report.byAgent(), "researcher"))
        .isEqualByComparingTo(RESEARCH_CALL.add(half).multiply(BigDecimal.valueOf(3)));
    assertThat(CostReport.cost(report.byAgent(), "writer"))
        .isEqualByComparingTo(WRITER_CACHE_WRITE.add(WRITER_CACHE_READ.multiply(BigDecimal.valueOf(5))));
    assertThat(CostReport.cost(report.byAgent(), "reviewer"))
        .isEqualByComparingTo(REVIEWER_CALL.multiply(BigDecimal.valueOf(3)));
    assertThat(report.byAgent()).extracting(CostReport.Row::key)
        .containsExactly("writer", "researcher", "planner", "reviewer");
    for (Trace t : report.traces()) {
      assertThat(t.byAgent().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
          .isEqualByComparingTo(t.total());
    }
  }

  /**
   * A span's row (its span count and tokens) is its own agent's, whoever the shared lookup was
   * billed to. Per report: the planner's gpt-4o call (1,500 in, 400 out) and its lookup, the
   * earlier use and so the billed one (500 in); the researcher's gpt-4.1 call (6,000 in, 1,200 out)
   * and acme-distill-7b (3,000 in, 500 out, unpriced); its own lookup is the reuse, not a billed
   * span.
   */
  @Test
  void spansAndTokensByAgentAreEachSpansOwnAgents() {
    assertThat(row("planner")).isEqualTo("6 spans 0 unpriced 6000 in 1200 out");
    assertThat(row("researcher")).isEqualTo("6 spans 3 unpriced 27000 in 5100 out");
  }

  private static String row(String agent) {
    CostReport.Row r = report.byAgent().stream().filter(a -> a.key().equals(agent)).findFirst()
        .orElseThrow();
    return r.spans() + " spans " + r.unpricedSpans() + " unpriced " + r.inputTokens() + " in "
        + r.outputTokens() + " out";
  }

  @Test
  void costSplitsByClientAndTask() {
    BigDecimal first = CostReport.cost(report.byTask(), "report-acme-1");
    BigDecimal second = CostReport.cost(report.byTask(), "report-acme-2");
    assertThat(first).isEqualByComparingTo("0.069215");
    assertThat(second).isEqualByComparingTo("0.062315");
    assertThat(CostReport.cost(report.byTask(), "report-globex-1")).isEqualByComparingTo("0.062315");
    assertThat(CostReport.cost(report.byClient(), "acme")).isEqualByComparingTo(first.add(second));
    assertThat(CostReport.cost(report.byClient(), "globex")).isEqualByComparingTo("0.062315");
    assertThat(report.byClient()).hasSize(2);
  }

  @Test
  void theSharedLookupIsBilledOncePerTaskAndTheRetriedCallIsRetryCost() throws Exception {
    for (Trace t : report.traces()) {
      assertThat(t.sharedTotal()).isEqualByComparingTo(LOOKUP);
      JsonNode detail = trace(t.traceId());
      assertThat(statuses(detail, "embeddings text-embedding-3-small")).containsExactlyInAnyOrder("priced", "shared_reuse");
    }
    // gpt-4.1 answered 429 once (the SDK retried by itself): only the first report has retry cost
    List<Trace> retried = report.traces().stream().filter(t -> t.retryTotal().signum() > 0).toList();
    assertThat(retried).hasSize(1);
    assertThat(retried.get(0).retryTotal()).isEqualByComparingTo(RESEARCH_CALL);
    assertThat(demo.llmCalls().stream().filter(c -> c.model().equals("gpt-4.1")).map(Call::status))
        .containsExactly(429, 200, 200, 200);
  }

  @Test
  void theReviewersAggregateAgentSpanIsNotBilledAgain() throws Exception {
    for (Trace t : report.traces()) {
      JsonNode reviewer = span(trace(t.traceId()), "invoke_agent reviewer");
      assertThat(reviewer.path("status").asText()).isEqualTo("aggregate");
      assertThat(reviewer.path("cost").isNull()).isTrue();
      assertThat(statuses(trace(t.traceId()), "invoke_agent planner")).containsExactly("not_billable");
    }
  }

  @Test
  void theSelfHostedModelIsReportedUnpricedNeverAsZero() {
    assertThat(report.traces()).allMatch(t -> t.unpricedSpans() == 1);
    assertThat(report.unpriced()).singleElement().satisfies(u -> {
      assertThat(u.model()).isEqualTo("acme-distill-7b");
      assertThat(u.agent()).isEqualTo("researcher");
      assertThat(u.calls()).isEqualTo(3);
      assertThat(u.reason()).isEqualTo("model 'acme-distill-7b' is not in the price catalogue");
    });
    assertThat(printed).contains("acme-distill-7b").contains("unpriced")
        .contains("3 x acme-distill-7b (agent researcher): model 'acme-distill-7b' is not in the price catalogue");
  }

  @Test
  void taskAndClientTravelAsBaggageFromTheEntryPointToEveryLlmCall() {
    List<Call> research = demo.llmCalls().stream().filter(c -> c.model().equals("acme-distill-7b")).toList();
    assertThat(research).extracting(Call::baggage).allMatch(b -> b.contains("agentmeter.task.id=report-"));
    assertThat(research.get(1).baggage()).contains("agentmeter.client.id=globex");
  }

  @Test
  void prometheusSpendByAgentMatchesTheLedger() throws Exception {
    Assumptions.assumeTrue(prometheus != null, "prometheus is not installed (.ci/run installs it)");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      Map<String, BigDecimal> spend = prometheus.vector("sum by (agent) (agentmeter_cost_total)", "agent");
      assertThat(spend.keySet()).containsExactlyInAnyOrder("writer", "researcher", "planner", "reviewer");
      for (CostReport.Row row : report.byAgent()) {
        assertThat(spend.get(row.key())).as(row.key()).isCloseTo(row.cost(), within(new BigDecimal("1e-12")));
      }
    });
    assertThat(prometheus.upJobs()).containsExactly("agentmeter");
  }

  @Test
  void withForwardEverySpanReachesTheBackendCostedAndEachRootCarriesItsTraceTotals() {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(roots()).hasSize(3));
    for (Trace t : report.traces()) {
      Map<String, Object> root = roots().get(t.traceId());
      assertThat(root).as(t.traceId()).isNotNull();
      assertThat((Double) root.get("agentmeter.trace.cost.amount")).isCloseTo(t.total().doubleValue(), within(1e-12));
      assertThat(root.get("agentmeter.trace.cost.currency")).isEqualTo("USD");
      assertThat(root.get("agentmeter.trace.unpriced_spans")).isEqualTo(1L);
      for (Map.Entry<String, BigDecimal> agent : t.byAgent().entrySet()) {
        assertThat((Double) root.get("agentmeter.trace.cost.agent." + agent.getKey()))
            .isCloseTo(agent.getValue().doubleValue(), within(1e-12));
      }
    }
    Map<String, Object> planner = jaeger.named("chat gpt-4o").get(0).attributes();
    assertThat(planner.get("agentmeter.cost.status")).isEqualTo("priced");
    assertThat((Double) planner.get("agentmeter.cost.amount")).isCloseTo(PLANNER_CALL.doubleValue(), within(1e-12));
    assertThat(planner.get("gen_ai.agent.name")).isEqualTo("planner");
    assertThat(jaeger.named("chat acme-distill-7b").get(0).attr("agentmeter.cost.status")).isEqualTo("unpriced");
  }

  @Test
  void everyMetricTheDashboardQueriesIsOneTheProcessorExports() throws Exception {
    java.net.http.HttpResponse<String> metrics = HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(demo.apiBase() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    java.util.Set<String> exported = new java.util.TreeSet<>();
    for (String line : metrics.body().split("\n")) {
      if (line.startsWith("# TYPE ")) {
        exported.add(line.split(" ")[2]);
      }
    }
    assertThat(exported).contains("agentmeter_cost_total", "agentmeter_traces_open");
    assertThat(DashboardQueries.metricNames()).isNotEmpty().isSubsetOf(exported);
  }

  /** The attributes of each forwarded root span, by trace id. */
  private static Map<String, Map<String, Object>> roots() {
    Map<String, Map<String, Object>> roots = new HashMap<>();
    jaeger.spans().stream().filter(OtlpReceiver.Received::isRoot).forEach(r -> roots.put(r.traceId(), r.attributes()));
    return roots;
  }

  private static JsonNode trace(String id) throws Exception {
    return CostReport.get(HttpClient.newHttpClient(), demo.apiBase() + "/api/v1/traces/" + id);
  }

  private static JsonNode span(JsonNode trace, String name) {
    for (JsonNode span : trace.path("spans")) {
      if (span.path("name").asText().equals(name)) {
        return span;
      }
    }
    throw new AssertionError("no span '" + name + "' in " + trace);
  }

  private static List<String> statuses(JsonNode trace, String name) {
    List<String> result = new ArrayList<>();
    trace.path("spans").forEach(s -> {
      if (s.path("name").asText().equals(name)) {
        result.add(s.path("status").asText());
      }
    });
    return result;
  }

  private static BigDecimal usd(String perMillion, long tokens) {
    return new BigDecimal(perMillion).multiply(BigDecimal.valueOf(tokens)).movePointLeft(6);
  }

}
