package io.agentmeter.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import java.io.File;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsTest {

  private static final CostLabels RESEARCHER =
      new CostLabels("researcher", "gpt-4o", "openai", "acme", "USD");

  @Test
  void everyFamilyKeepsTheNameAndTypeItHadBeforeTheClientLibrary() {
    Metrics metrics = new Metrics();
    metrics.addCost(RESEARCHER, new BigDecimal("0.01"));
    metrics.addTokens(new TokenLabels("researcher", "gpt-4o", "openai", "acme", "input"), 1);
    metrics.unpriced("acme-7b", 1);
    metrics.rejected("too_large", 0);

    Set<String> types = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(metrics.scrape());
    while (m.find()) {
      types.add(m.group(1) + " " + m.group(2));
    }
    assertThat(types).containsExactlyInAnyOrder(
        "agentmeter_cost_total counter",
        "agentmeter_cost_reversed_total counter",
        "agentmeter_tokens_total counter",
        "agentmeter_unpriced_spans_total counter",
        "agentmeter_spans_received_total counter",
        "agentmeter_spans_duplicate_total counter",
        "agentmeter_spans_rejected_total counter",
        "agentmeter_traces_open gauge",
        "agentmeter_traces_closed_total counter",
        "agentmeter_forward_spans_total counter",
        "agentmeter_forward_dropped_spans_total counter",
        "agentmeter_otlp_dropped_requests_total counter",
        "agentmeter_prices_reloads_total counter",
        "agentmeter_ledger_write_seconds histogram");
  }

  @Test
  void costIsSummedExactlyAndOnlyTurnedIntoADoubleWhenScraped() {
    Metrics metrics = new Metrics();
    for (int i = 0; i < 10; i++) {
      metrics.addCost(RESEARCHER, new BigDecimal("0.1"));
    }
    // ten additions of the double 0.1 make 0.9999999999999999; the exact sum is 1
    assertThat(metrics.costs()).containsEntry(RESEARCHER, new BigDecimal("1.0"));
    // a new series is shown at 0 first (see startsAtZero...), its amount from the next scrape
    metrics.scrape();
    assertThat(metrics.scrape()).contains("agentmeter_cost_total{agent=\"researcher\",client=\"acme\","
        + "currency=\"USD\",model=\"gpt-4o\",provider=\"openai\"} 1.0\n");
  }

  @Test
  void countersByLabelAndTheOpenTracesGauge() {
    Metrics metrics = new Metrics();
    metrics.addTokens(new TokenLabels("writer", "claude", "anthropic", "globex", "output"), 1200);
    metrics.addTokens(new TokenLabels("writer", "claude", "anthropic", "globex", "output"), 34);
    metrics.addTokens(new TokenLabels("writer", "claude", "anthropic", "globex", "input"), 0);
    metrics.unpriced("acme-7b", 1);
    metrics.unpriced("acme-7b", 1);
    metrics.received(5);
    metrics.received(2);
    metrics.duplicates(3);
    metrics.rejected("backpressure", 4);
    metrics.rejected("too_large", 0);
    metrics.traceClosed();
    metrics.forwarded(6);
    metrics.forwardDropped(2);
    metrics.forwardDropped(1);
    metrics.tracesOpen(() -> 9);

    assertThat(metrics.scrape())
        .contains("agentmeter_tokens_total{agent=\"writer\",client=\"globex\",kind=\"output\","
            + "model=\"claude\",provider=\"anthropic\"} 0.0\n")
        .contains("agentmeter_unpriced_spans_total{model=\"acme-7b\"} 0.0\n");
    String text = metrics.scrape();
    assertThat(text)
        .contains("agentmeter_tokens_total{agent=\"writer\",client=\"globex\",kind=\"output\","
            + "model=\"claude\",provider=\"anthropic\"} 1234.0\n")
        .doesNotContain("kind=\"input\"")
        .contains("agentmeter_unpriced_spans_total{model=\"acme-7b\"} 2.0\n")
        .contains("agentmeter_spans_received_total 7.0\n")
        .contains("agentmeter_spans_duplicate_total 3.0\n")
        .contains("agentmeter_spans_rejected_total{reason=\"backpressure\"} 4.0\n")
        .contains("agentmeter_spans_rejected_total{reason=\"too_large\"} 0.0\n")
        .contains("agentmeter_traces_closed_total 1.0\n")
        .contains("agentmeter_forward_spans_total 6.0\n")
        .contains("agentmeter_forward_dropped_spans_total 3.0\n")
        .contains("agentmeter_traces_open 9.0\n");
    assertThat(metrics.forwardDroppedCount()).isEqualTo(3);
  }

  @Test
  void aNewSeriesStartsAtZeroForOneScrapeWithItsReversedTwinAndThenCounts() {
    Metrics metrics = new Metrics();
    metrics.addCost(RESEARCHER, new BigDecimal("0.04061"));
    String cost = "agentmeter_cost_total{agent=\"researcher\",client=\"acme\",currency=\"USD\","
        + "model=\"gpt-4o\",provider=\"openai\"} ";
    String reversed = "agentmeter_cost_reversed_total{agent=\"researcher\",client=\"acme\","
        + "currency=\"USD\",model=\"gpt-4o\",provider=\"openai\"} ";

    assertThat(metrics.scrape()).contains(cost + "0.0\n").contains(reversed + "0.0\n");
    metrics.addCost(RESEARCHER, new BigDecimal("0.00876"));
    assertThat(metrics.scrape()).contains(cost + "0.04937\n").contains(reversed + "0.0\n");
    // a shown series counts at once; a reversal shows on its (shown) twin at once too
    metrics.addReversed(RESEARCHER, new BigDecimal("0.00061"));
    metrics.addCost(RESEARCHER, new BigDecimal("0.001"));
    assertThat(metrics.scrape()).contains(cost + "0.05037\n").contains(reversed + "6.1E-4\n");
    assertThat(metrics.costs()).containsEntry(RESEARCHER, new BigDecimal("0.05037"));
    assertThat(metrics.reversedCosts()).containsEntry(RESEARCHER, new BigDecimal("0.00061"));
  }

  @Test
  void restoredSeriesAreShownAtOnceAtTheLedgersTotalsWhateverWasTakenBack() {
    Metrics metrics = new Metrics();
    CostLabels writer = new CostLabels("writer", "gpt-4o", "openai", "acme", "USD");
    // the ledger holds 0.03 for the researcher after 0.01 was taken back; 0.5 for the writer
    metrics.restore(new io.agentmeter.processor.model.CounterTotals(
        java.util.Map.of(RESEARCHER, new BigDecimal("0.03"), writer, new BigDecimal("0.5")),
        java.util.Map.of(RESEARCHER, new BigDecimal("0.01")),
        java.util.Map.of(new TokenLabels("writer", "gpt-4o", "openai", "acme", "input"), 700L),
        java.util.Map.of("acme-7b", 2L)));

    assertThat(metrics.scrape())
        .contains("agentmeter_cost_total{agent=\"researcher\",client=\"acme\",currency=\"USD\","
            + "model=\"gpt-4o\",provider=\"openai\"} 0.04\n")
        .contains("agentmeter_cost_reversed_total{agent=\"researcher\",client=\"acme\","
            + "currency=\"USD\",model=\"gpt-4o\",provider=\"openai\"} 0.01\n")
        .contains("agentmeter_cost_total{agent=\"writer\",client=\"acme\",currency=\"USD\","
            + "model=\"gpt-4o\",provider=\"openai\"} 0.5\n")
        .contains("agentmeter_cost_reversed_total{agent=\"writer\",client=\"acme\","
            + "currency=\"USD\",model=\"gpt-4o\",provider=\"openai\"} 0.0\n")
        .contains("agentmeter_tokens_total{agent=\"writer\",client=\"acme\",kind=\"input\","
            + "model=\"gpt-4o\",provider=\"openai\"} 700.0\n")
        .contains("agentmeter_unpriced_spans_total{model=\"acme-7b\"} 2.0\n");
    // and they count on at once
    metrics.addCost(writer, new BigDecimal("0.25"));
    assertThat(metrics.scrape()).contains("agentmeter_cost_total{agent=\"writer\",client=\"acme\","
        + "currency=\"USD\",model=\"gpt-4o\",provider=\"openai\"} 0.75\n");
  }

  @Test
  void ledgerWriteLatencyHasTheBucketsItHadBefore() {
    Metrics metrics = new Metrics();
    metrics.ledgerWrite(2_000_000); // 2 ms
    metrics.ledgerWrite(300_000_000); // 300 ms
    metrics.ledgerWrite(4_000_000_000L); // 4 s: only +Inf

    assertThat(metrics.scrape()).contains(String.join("\n",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.001\"} 0",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.0025\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.005\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.01\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.025\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.05\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.1\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.25\"} 1",
        "agentmeter_ledger_write_seconds_bucket{le=\"0.5\"} 2",
        "agentmeter_ledger_write_seconds_bucket{le=\"1.0\"} 2",
        "agentmeter_ledger_write_seconds_bucket{le=\"2.5\"} 2",
        "agentmeter_ledger_write_seconds_bucket{le=\"+Inf\"} 3",
        "agentmeter_ledger_write_seconds_count 3",
        "agentmeter_ledger_write_seconds_sum 4.302\n"));
  }

  @Test
  void rejectionReasonsAreThereAtZeroBeforeAnyRejection() {
    String text = new Metrics().scrape();
    assertThat(Metrics.REJECT_REASONS).hasSize(6).allSatisfy(reason -> assertThat(text)
        .contains("agentmeter_spans_rejected_total{reason=\"" + reason + "\"} 0.0\n"));
    assertThat(text).contains("agentmeter_otlp_dropped_requests_total{signal=\"logs\"} 0.0\n")
        .contains("agentmeter_otlp_dropped_requests_total{signal=\"metrics\"} 0.0\n");
    // families whose label values come with traffic are written from their first series
    assertThat(text).doesNotContain("agentmeter_cost_total").doesNotContain("agentmeter_tokens_total");
  }

  @Test
  void labelValuesAreEscaped() {
    Metrics metrics = new Metrics();
    metrics.unpriced("a\"b\\c\nd", 1);
    metrics.scrape();
    assertThat(metrics.scrape())
        .contains("agentmeter_unpriced_spans_total{model=\"a\\\"b\\\\c\\nd\"} 1.0\n");
  }

  @Test
  void instancesDoNotShareCounters() {
    Metrics one = new Metrics();
    Metrics two = new Metrics();
    one.received(3);
    assertThat(two.scrape()).contains("agentmeter_spans_received_total 0.0\n");
  }

  /** The exposition as Prometheus' own checker reads it; skipped where promtool is not installed. */
  @Test
  void promtoolAcceptsTheExposition() throws Exception {
    File promtool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> new File(dir, "promtool")).filter(File::canExecute).findFirst().orElse(null);
    assumeTrue(promtool != null, "promtool is not installed");
    Metrics metrics = new Metrics();
    metrics.addCost(RESEARCHER, new BigDecimal("0.007375"));
    metrics.addTokens(new TokenLabels("researcher", "gpt-4o", "openai", "acme", "input"), 900);
    metrics.unpriced("acme-7b", 1);
    metrics.received(4);
    metrics.rejected("too_large", 0);
    metrics.ledgerWrite(2_000_000);
    metrics.tracesOpen(() -> 1);

    Process check = new ProcessBuilder(promtool.getPath(), "check", "metrics")
        .redirectErrorStream(true).start();
    check.getOutputStream().write(metrics.scrape().getBytes(StandardCharsets.UTF_8));
    check.getOutputStream().close();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(output).isZero();
    assertThat(output).as("promtool lint findings").isBlank();
  }
}
