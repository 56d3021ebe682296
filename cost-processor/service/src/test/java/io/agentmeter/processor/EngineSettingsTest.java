package io.agentmeter.processor;

import io.agentmeter.testing.otlp.WorkflowSpans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.agentmeter.cost.rollup.AllocationRule;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The engine settings the service passes on: the reporting currency with a dated FX table, and the
 * shared-resource allocation rule. Spans go in over OTLP/HTTP from the real SDK exporter; the
 * answers are read from the API and {@code /metrics}.
 */
class EngineSettingsTest {

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern COST_SAMPLE =
      Pattern.compile("(?m)^agentmeter_cost_total\\{([^}]*)} (\\S+)$");

  @TempDir Path dir;

  /**
   * {@link WorkflowSpans} in EUR. The rate in force on the spans' start day (today) is the one
   * dated 2024-01-01, 0.92 (2020's is older, 2999's not yet in force): planner 0.00045 x 0.92 =
   * 0.000414, researcher 0.007375 x 0.92 = 0.006785, total 0.007825 x 0.92 = 0.007199.
   */
  @Test
  void apiAndMetricsAnswerInTheReportingCurrencyConvertedAtTheRateOfTheSpansDay() throws Exception {
    Path rates = Files.writeString(dir.resolve("rates.csv"), String.join("\n",
        "date,from,to,rate",
        "# USD to EUR, dated",
        "2020-01-01,USD,EUR,0.5",
        "2024-01-01,USD,EUR,0.92",
        "2999-01-01,USD,EUR,5",
        ""));
    try (Processor processor = start(Processor.builder().setCurrency("eur").setFxTable(rates))) {
      List<SpanData> spans = WorkflowSpans.make("acme");
      String traceId = spans.get(0).getTraceId();
      export(processor, spans);

      JsonNode trace = await().atMost(Duration.ofSeconds(15))
          .until(() -> get(processor, "/api/v1/traces/" + traceId), r -> r.has("total"));
      assertThat(trace.get("currency").asText()).isEqualTo("EUR");
      assertThat(trace.get("total").decimalValue()).isEqualByComparingTo("0.007199");
      assertThat(trace.get("byAgent").get("planner").decimalValue()).isEqualByComparingTo("0.000414");
      assertThat(trace.get("byAgent").get("researcher").decimalValue())
          .isEqualByComparingTo("0.006785");
      assertThat(trace.get("unpricedSpans").asInt()).isEqualTo(1);

      JsonNode byAgent = get(processor, "/api/v1/costs?groupBy=agent");
      assertThat(byAgent.get("currency").asText()).isEqualTo("EUR");
      assertThat(costByKey(byAgent)).containsEntry("researcher", new BigDecimal("0.006785"))
          .containsEntry("planner", new BigDecimal("0.000414"));
      JsonNode byClient = get(processor, "/api/v1/costs?groupBy=client");
      assertThat(costByKey(byClient)).containsEntry("acme", new BigDecimal("0.007199"));

      Map<String, String> samples = costSamples(metrics(processor));
      assertThat(samples).hasSize(2);
      assertThat(Double.parseDouble(samples.get("agent=\"researcher\",client=\"acme\","
          + "currency=\"EUR\",model=\"gpt-4o\",provider=\"openai\"")))
          .isEqualTo(0.006785);
      assertThat(Double.parseDouble(samples.get("agent=\"planner\",client=\"acme\","
          + "currency=\"EUR\",model=\"gpt-4o-mini\",provider=\"openai\"")))
          .isEqualTo(0.000414);
    }
  }

  /**
   * {@link #sharedTrace}: the planner's own call 0.00045, the researcher's own 0.008, and the shared
   * lookup 0.0009 billed once, first used by the planner. Total 0.00935 under every rule.
   * <ul>
   *   <li>FIRST_USER: planner 0.00045 + 0.0009 = 0.00135; researcher 0.008.
   *   <li>EVEN: planner 0.00045 + 0.00045 = 0.0009; researcher 0.008 + 0.00045 = 0.00845.
   *   <li>PROPORTIONAL to direct cost (0.00045 : 0.008 of 0.00845): the researcher's share
   *       0.0009 x 0.008 / 0.00845 = 0.000852071005917... rounded down at 12 places, 0.000852071005;
   *       the planner's 0.0000479289940828... down to 0.000047928994, plus the remainder
   *       0.000000000001 as first user, 0.000047928995. Planner 0.000497928995, researcher
   *       0.008852071005.
   * </ul>
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "FIRST_USER, 0.00135, 0.008",
    "EVEN, 0.0009, 0.00845",
    "PROPORTIONAL, 0.000497928995, 0.008852071005"
  })
  void theAllocationRuleSplitsASharedResourceAcrossItsAgents(AllocationRule rule, BigDecimal planner,
      BigDecimal researcher) throws Exception {
    try (Processor processor = start(Processor.builder().setSharedAllocation(rule))) {
      List<SpanData> spans = sharedTrace();
      String traceId = spans.get(0).getTraceId();
      export(processor, spans);

      JsonNode trace = await().atMost(Duration.ofSeconds(15))
          .until(() -> get(processor, "/api/v1/traces/" + traceId), r -> r.has("total"));
      assertThat(trace.get("total").decimalValue()).isEqualByComparingTo("0.00935");
      assertThat(trace.get("sharedTotal").decimalValue()).isEqualByComparingTo("0.0009");
      assertThat(trace.get("byAgent").get("planner").decimalValue()).isEqualByComparingTo(planner);
      assertThat(trace.get("byAgent").get("researcher").decimalValue())
          .isEqualByComparingTo(researcher);

      Map<String, BigDecimal> byAgent = costByKey(get(processor, "/api/v1/costs?groupBy=agent"));
      assertThat(byAgent.get("planner")).isEqualByComparingTo(planner);
      assertThat(byAgent.get("researcher")).isEqualByComparingTo(researcher);

      Map<String, Double> metricByAgent = new HashMap<>();
      costSamples(metrics(processor)).forEach((labels, value) -> metricByAgent.merge(
          labels.replaceFirst("^agent=\"([^\"]*)\".*", "$1"), Double.parseDouble(value), Double::sum));
      assertThat(metricByAgent.get("planner")).isCloseTo(planner.doubleValue(), within(1e-15));
      assertThat(metricByAgent.get("researcher")).isCloseTo(researcher.doubleValue(), within(1e-15));
    }
  }

  @Test
  void aBadFxTableStopsTheStartNamingTheFileAndTheLine() throws Exception {
    Path badCode = Files.writeString(dir.resolve("code.csv"),
        "date,from,to,rate\n2024-01-01,USD,EUR,0.92\n2024-01-01,USD,EURO,0.92\n");
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR").setFxTable(badCode)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FX table " + badCode + " line 3: not an ISO 4217 currency code: EURO"
            + " (in '2024-01-01,USD,EURO,0.92')");

    Path badRate = Files.writeString(dir.resolve("rate.csv"), "2024-01-01,USD,EUR,-0.92\n");
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR").setFxTable(badRate)))
        .hasMessage("FX table " + badRate + " line 1: rate must be positive: -0.92"
            + " (in '2024-01-01,USD,EUR,-0.92')");

    Path badDate = Files.writeString(dir.resolve("date.csv"), "# rates\n\n2024-13-01,USD,EUR,0.92\n");
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR").setFxTable(badDate)))
        .hasMessageStartingWith("FX table " + badDate + " line 3: Text '2024-13-01' could not be parsed");

    Path fields = Files.writeString(dir.resolve("fields.csv"), "2024-01-01;USD;EUR;0.92\n");
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR").setFxTable(fields)))
        .hasMessage("FX table " + fields + " line 1: expected date,from,to,rate but found 1 fields"
            + " (in '2024-01-01;USD;EUR;0.92')");

    Path missing = dir.resolve("missing.csv");
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR").setFxTable(missing)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("cannot read FX table " + missing);
  }

  @Test
  void aCurrencyTheCatalogueCannotBeConvertedToStopsTheStart() throws Exception {
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR")))
        .hasMessage("reporting currency EUR: the price catalogue prices in USD and no FX table"
            + " (--fx-table) is given; every span priced in USD would be unpriced");

    Path gbp = Files.writeString(dir.resolve("gbp.csv"), "2024-01-01,USD,GBP,0.79\n");
    assertThatThrownBy(() -> start(Processor.builder().setCurrency("EUR").setFxTable(gbp)))
        .hasMessage("reporting currency EUR: the FX table " + gbp + " has no rate between EUR and"
            + " USD, which the price catalogue prices in; every span priced in USD would be unpriced");

    assertThatThrownBy(() -> start(Processor.builder().setCurrency("euro")))
        .hasMessage("currency must be an ISO 4217 code: euro");
    // a rate given the other way round converts by division
    Path inverse = Files.writeString(dir.resolve("inverse.csv"), "2024-01-01,EUR,USD,1.25\n");
    start(Processor.builder().setCurrency("EUR").setFxTable(inverse)).close();
  }

  private Processor start(Processor.Builder builder) throws Exception {
    return builder.setLedger(dir.resolve("ledger-" + System.nanoTime() + ".db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(200))
        .start();
  }

  private static void export(Processor processor, List<SpanData> spans) {
    try (OtlpHttpSpanExporter http = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces").build()) {
      assertThat(http.export(spans).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  private static JsonNode get(Processor processor, String path) throws Exception {
    return JSON.readTree(HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + processor.apiPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  /** {@code /metrics} as a second scrape reads it (the first shows new series at 0). */
  private static String metrics(Processor processor) throws Exception {
    return Loopback.metrics(processor.apiPort());
  }

  private static Map<String, BigDecimal> costByKey(JsonNode costs) {
    Map<String, BigDecimal> byKey = new HashMap<>();
    for (JsonNode row : costs.get("rows")) {
      byKey.put(row.get("key").asText(), row.get("cost").decimalValue());
    }
    return byKey;
  }

  /** The {@code agentmeter_cost_total} samples: labels as written, value as written. */
  private static Map<String, String> costSamples(String metrics) {
    Map<String, String> samples = new HashMap<>();
    Matcher m = COST_SAMPLE.matcher(metrics);
    while (m.find()) {
      samples.put(m.group(1), m.group(2));
    }
    return samples;
  }

  /**
   * One task, two agents (USD per million tokens from the bundled catalogue):
   * <ul>
   *   <li>planner: a shared lookup, gpt-4o-mini, 2,000 in and 1,000 out (0.15, 0.60) = 0.0003 +
   *       0.0006 = 0.0009, tagged {@code agentmeter.shared.resource=cache:brief}; then its own
   *       call, 1,000 in and 500 out = 0.00015 + 0.0003 = 0.00045
   *   <li>researcher: the same shared lookup again (billed once, on the planner's use); then its
   *       own gpt-4o call (2.50, 10), 2,000 in and 300 out = 0.005 + 0.003 = 0.008
   * </ul>
   */
  private static List<SpanData> sharedTrace() {
    return WorkflowSpans.record("orchestrator", tracer -> {
      Span root = tracer.spanBuilder("POST /briefs").setSpanKind(SpanKind.SERVER)
          .setAttribute("agentmeter.client.id", "acme")
          .setAttribute("agentmeter.task.id", "brief-1")
          .startSpan();
      try (Scope ignored = root.makeCurrent()) {
        WorkflowSpans.agent(tracer, "planner", () -> {
          chat(tracer, "gpt-4o-mini", 2_000, 1_000, "cache:brief");
          chat(tracer, "gpt-4o-mini", 1_000, 500, null);
        });
        WorkflowSpans.agent(tracer, "researcher", () -> {
          chat(tracer, "gpt-4o-mini", 2_000, 1_000, "cache:brief");
          chat(tracer, "gpt-4o", 2_000, 300, null);
        });
      } finally {
        root.end();
      }
    });
  }

  private static void chat(Tracer tracer, String model, long input, long output, String shared) {
    Span span = WorkflowSpans.chat(tracer, model, input, output);
    if (shared != null) {
      span.setAttribute("agentmeter.shared.resource", shared);
    }
    span.end();
  }
}
