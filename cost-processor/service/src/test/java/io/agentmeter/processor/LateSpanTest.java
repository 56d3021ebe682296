package io.agentmeter.processor;

import static io.agentmeter.testing.otlp.OtlpPayloads.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A span arriving after its trace was rolled up amends that rollup: the trace's lines are replaced
 * as a whole (none left over to be summed twice), and a re-delivery of spans already costed changes
 * nothing, on both ledgers.
 */
class LateSpanTest {

  @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();

  @TempDir static Path dir;

  static Stream<Arguments> ledgers() {
    return Stream.of(
        Arguments.of("sqlite", dir.resolve("late.db").toString(), "jdbc:sqlite:" + dir.resolve("late.db")),
        Arguments.of("postgresql", POSTGRES.url(), POSTGRES.url()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void aLateSpanAmendsTheRolledUpTraceAndARedeliveryChangesNothing(String kind, String ledger,
      String jdbc) throws Exception {
    long n = kind.equals("sqlite") ? 700_001 : 700_002;
    String traceId = OtlpPayloads.traceIdHex(n);
    try (Processor processor = Processor.builder().setLedger(ledger)
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(100)).start()) {
      assertThat(post(processor, OtlpPayloads.trace(n, 3))).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> total(processor, traceId),
          t -> t.isPresent() && t.get().compareTo(cost(3)) == 0);

      // the fourth call's span, alone, after the trace was rolled up
      assertThat(post(processor, only(OtlpPayloads.trace(n, 4), 4))).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> total(processor, traceId),
          t -> t.isPresent() && t.get().compareTo(cost(4)) == 0);

      // the first delivery again (a sender that retried): already costed
      assertThat(post(processor, OtlpPayloads.trace(n, 3))).isEqualTo(200);
      processor.flush();

      TraceCost trace = processor.costStore().trace(traceId).orElseThrow();
      assertThat(trace.total()).isEqualByComparingTo(cost(4));
      assertThat(trace.complete()).isTrue();
      assertThat(trace.spans()).hasSize(5);
      try (Connection c = DriverManager.getConnection(jdbc);
          PreparedStatement select = c.prepareStatement(
              "SELECT cost, line FROM cost_lines WHERE trace_id = ?")) {
        select.setString(1, traceId);
        long lines = 0;
        long spanRows = 0;
        BigDecimal sum = BigDecimal.ZERO;
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            lines++;
            spanRows += rs.getInt(2) == 0 ? 1 : 0;
            sum = rs.getString(1) == null ? sum : sum.add(new BigDecimal(rs.getString(1)));
          }
        }
        // everything a query sums for this trace: no lines of the earlier rollup left over (the
        // four calls; the root is not billable, so it is in the trace's span list only)
        assertThat(lines).isEqualTo(4);
        assertThat(spanRows).isEqualTo(4);
        assertThat(sum).isEqualByComparingTo(cost(4));
      }
      // the counters grew by what each rollup added: four calls in all, not 3 + 4
      assertThat(costMetricsSum(processor)).isEqualByComparingTo(cost(4));
      assertThat(metric(processor, "agentmeter_spans_duplicate_total")).isEqualTo(4);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void aLateSpanKeepsThePricesARepriceGaveItsTrace(String kind, String ledger, String jdbc)
      throws Exception {
    long n = kind.equals("sqlite") ? 710_001 : 710_002;
    String traceId = OtlpPayloads.traceIdHex(n);
    // gpt-4o-mini at 0.10 and 0.40 per million: 100 x 0.1e-6 + 10 x 0.4e-6 = 0.000014 a call
    BigDecimal repricedCall = new BigDecimal("0.000014");
    Path prices = dir.resolve("contract-" + kind + ".json");
    java.nio.file.Files.writeString(prices, """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "openai/gpt-4o-mini-contract", "provider": "openai", "match": {"names": ["gpt-4o-mini"]},
           "prices": [{"input": "0.10", "output": "0.40", "source": "our contract", "as_of": "2025-01-01"}]}]}
        """);
    try (Processor processor = start(ledger)) {
      assertThat(post(processor, OtlpPayloads.trace(n, 3))).isEqualTo(200);
      processor.flush();
      assertThat(total(processor, traceId)).contains(cost(3));
    }
    // repriced with the contract's prices (the service stopped, as `reprice` needs)
    try (Pipeline reprice = Processor.builder().setLedger(ledger).setPrices(prices).open()) {
      assertThat(reprice.reprice(traceId, true).orElseThrow().after())
          .isEqualByComparingTo(repricedCall.multiply(BigDecimal.valueOf(3)));
    }
    // the service again, on the bundled prices: a late call keeps the trace on the contract's
    try (Processor processor = start(ledger)) {
      assertThat(total(processor, traceId).orElseThrow())
          .isEqualByComparingTo(repricedCall.multiply(BigDecimal.valueOf(3)));
      assertThat(post(processor, only(OtlpPayloads.trace(n, 4), 4))).isEqualTo(200);
      processor.flush(); // a new process does not know the trace closed: it would wait for idle
      assertThat(processor.costStore().trace(traceId).orElseThrow().spans()).hasSize(5);
      assertThat(total(processor, traceId).orElseThrow())
          .isEqualByComparingTo(repricedCall.multiply(BigDecimal.valueOf(4))); // 0.000056
      assertThat(processor.costStore().pricingOf(traceId).orElseThrow())
          .matches("bundled@[0-9a-f]{16}\\+contract-" + kind + "\\.json@[0-9a-f]{16}");
      // a trace new to the service is priced with the service's prices
      assertThat(post(processor, OtlpPayloads.trace(n + 10, 1))).isEqualTo(200);
      processor.flush();
      assertThat(total(processor, OtlpPayloads.traceIdHex(n + 10))).contains(cost(1));
      assertThat(processor.costStore().pricingOf(OtlpPayloads.traceIdHex(n + 10)).orElseThrow())
          .matches("bundled@[0-9a-f]{16}");
    }
  }

  private static Processor start(String ledger) throws Exception {
    return Processor.builder().setLedger(ledger).setOtlpHttpPort(0).setOtlpGrpcPort(-1)
        .setApiPort(0).setBindHost("127.0.0.1").setTraceGrace(Duration.ofMillis(100)).start();
  }

  private static BigDecimal cost(int calls) {
    return OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(calls));
  }

  private static Optional<BigDecimal> total(Processor processor, String traceId) throws Exception {
    return processor.costStore().trace(traceId).map(TraceCost::total);
  }

  private static int post(Processor processor, ExportTraceServiceRequest request) throws Exception {
    return Loopback.post(processor.otlpHttpPort(), request);
  }

  /** {@code /metrics} as a second scrape reads it (the first shows new series at 0). */
  private static String metrics(Processor processor) throws Exception {
    return Loopback.metrics(processor.apiPort());
  }

  private static BigDecimal costMetricsSum(Processor processor) throws Exception {
    Matcher m = Pattern.compile("(?m)^agentmeter_cost_total\\{[^}]*\\} (\\S+)$")
        .matcher(metrics(processor));
    BigDecimal sum = BigDecimal.ZERO;
    while (m.find()) {
      sum = sum.add(new BigDecimal(m.group(1)));
    }
    return sum;
  }

  private static long metric(Processor processor, String name) throws Exception {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(metrics(processor));
    assertThat(m.find()).as(name).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }
}
