package io.agentmeter.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.Processor;
import io.agentmeter.processor.cli.Cli;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Money panels built on {@code /metrics} agree with the ledger for any range, across restarts and
 * a reprice, as a real Prometheus scraping the service every second reads them.
 *
 * <p>Each trace of {@link OtlpPayloads} is a root and calls of gpt-4o-mini at 100 input and 10
 * output tokens: 0.000021 per call at the bundled price (0.15 and 0.60 per million); 0.000014 at
 * the reprice's (0.10 and 0.40). Trace n is client-(n % 3)'s.
 */
class PrometheusCountersIT {

  /** Spend by client over the whole test, as a money panel for a range asks for it. */
  private static final String SPEND_IN_RANGE = "sum by (client) (increase(agentmeter_cost_total[30m])"
      + " - increase(agentmeter_cost_reversed_total[30m]))";
  /** Spend by client to date (the ledger's totals). */
  private static final String SPEND_TO_DATE =
      "sum by (client) (agentmeter_cost_total - agentmeter_cost_reversed_total)";
  private static final BigDecimal CALL = OtlpPayloads.CALL_COST;
  private static final BigDecimal CALL_REPRICED = new BigDecimal("0.000014");

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void spendByClientMatchesTheLedgerAcrossARestartAndAReprice() throws Exception {
    Path binary = PrometheusServer.binary();
    if (binary == null && Boolean.getBoolean("agentmeter.require.prometheus")) {
      throw new IllegalStateException("prometheus is required (agentmeter.require.prometheus) but not on the PATH");
    }
    Assumptions.assumeTrue(binary != null, "prometheus is not installed (.ci/run installs it)");
    Path work = Files.createTempDirectory("agentmeter-counters-it");
    String ledger = work.resolve("ledger.db").toString();
    int api = Demo.freePort();
    try (PrometheusServer prometheus =
        PrometheusServer.start(binary, work.resolve("prometheus"), "127.0.0.1:" + api)) {
      // first process: one trace of client-1 (3 calls)
      try (Processor processor = start(ledger, api)) {
        post(processor, 1, 3);
        awaitSpend(prometheus, Map.of("client-1", CALL.multiply(BigDecimal.valueOf(3))));
        // the series came at 0 first, so a range counts its first amount (it used to read 0)
        assertThat(spendInRange(prometheus)).isEqualTo(Map.of("client-1", "0.000063"));
      }
      // second process on the same ledger: its counters go on from the ledger's totals
      try (Processor processor = start(ledger, api)) {
        post(processor, 4, 2); // client-1, 2 calls
        post(processor, 2, 1); // client-2, 1 call
        Map<String, BigDecimal> ledgerNow = ledgerByClient(processor);
        assertThat(plain(ledgerNow)).isEqualTo(Map.of("client-1", "0.000105", "client-2", "0.000021"));
        awaitSpend(prometheus, ledgerNow);
        assertThat(spendInRange(prometheus)).isEqualTo(plain(ledgerNow));
      }
      // a reprice at a lower price, with the service stopped (it holds the ledger)
      Path prices = work.resolve("prices.json");
      Files.writeString(prices, """
          {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
            {"id": "openai/gpt-4o-mini-contract", "provider": "openai", "match": {"names": ["gpt-4o-mini"]},
             "prices": [{"input": "0.10", "output": "0.40", "source": "our contract", "as_of": "2025-01-01"}]}]}
          """);
      assertThat(Cli.run("reprice", "--ledger", ledger, "--prices", prices.toString())).isZero();
      try (Processor processor = start(ledger, api)) {
        Map<String, BigDecimal> ledgerNow = ledgerByClient(processor);
        // 5 and 1 calls at 0.000014: 0.00007 and 0.000014
        assertThat(plain(ledgerNow)).isEqualTo(plain(Map.of(
            "client-1", CALL_REPRICED.multiply(BigDecimal.valueOf(5)), "client-2", CALL_REPRICED)));
        awaitSpend(prometheus, ledgerNow);
        // over the whole range: what was added, less what the reprice took back
        assertThat(spendInRange(prometheus)).isEqualTo(plain(ledgerNow));
      }
    }
  }

  private static Processor start(String ledger, int api) throws Exception {
    return Processor.builder().setLedger(ledger).setOtlpHttpPort(0).setOtlpGrpcPort(-1)
        .setApiPort(api).setBindHost("127.0.0.1").setTraceGrace(Duration.ofMillis(50)).start();
  }

  private void post(Processor processor, long trace, int calls) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpPayloads.trace(trace, calls).toByteArray()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    processor.flush();
  }

  private static Map<String, BigDecimal> ledgerByClient(Processor processor) throws Exception {
    Map<String, BigDecimal> spend = new TreeMap<>();
    for (CostRow row : processor.costStore().costs(new CostQuery(CostQuery.GroupBy.CLIENT,
        Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), null, null, null, null))) {
      spend.put(row.key(), row.cost());
    }
    return spend;
  }

  /** Waits until Prometheus has scraped spend to date equal to {@code expected}. */
  private static void awaitSpend(PrometheusServer prometheus, Map<String, BigDecimal> expected)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Map<String, String> seen = Map.of();
    while (System.nanoTime() < deadline) {
      seen = plain(prometheus.vector(SPEND_TO_DATE, "client"));
      if (seen.equals(plain(expected))) {
        Thread.sleep(2_500); // a few more scrapes, so the range below ends on one of them
        return;
      }
      Thread.sleep(200);
    }
    assertThat(seen).as("spend to date in Prometheus").isEqualTo(plain(expected));
  }

  /**
   * Spend by client over the range, evaluated at the last scrape (so Prometheus has nothing to
   * extrapolate past the samples), rounded to the 12 decimal places a double carries of these.
   */
  private static Map<String, String> spendInRange(PrometheusServer prometheus) throws Exception {
    return plain(prometheus.vector(SPEND_IN_RANGE, "client", prometheus.lastScrape("agentmeter")));
  }

  private static Map<String, String> plain(Map<String, BigDecimal> amounts) {
    Map<String, String> text = new TreeMap<>();
    amounts.forEach((k, v) -> text.put(k, v.setScale(12, java.math.RoundingMode.HALF_EVEN)
        .stripTrailingZeros().toPlainString()));
    return text;
  }
}
