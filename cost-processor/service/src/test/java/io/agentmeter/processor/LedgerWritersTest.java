package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.otlp.SpanConverter;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a ledger keeps when a trace's rollup is stored without the lookup of an earlier one (the
 * closer knows the trace is new to it), and when spans were costed under another fingerprint.
 */
class LedgerWritersTest {

  @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();
  @TempDir static Path dir;

  private static final CostEngine ENGINE = CostEngine.create();

  static Stream<Arguments> ledgers() {
    return Stream.of(
        Arguments.of("sqlite", dir.resolve("writers.db").toString(),
            "jdbc:sqlite:" + dir.resolve("writers.db")),
        Arguments.of("postgresql", POSTGRES.url(), POSTGRES.url()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void aNewTraceAnotherWriterStoredMeanwhileIsReplacedNotAddedTo(String kind, String location,
      String jdbc) throws Exception {
    long n = kind.equals("sqlite") ? 910_001 : 910_002;
    String traceId = OtlpPayloads.traceIdHex(n);
    // both think the trace is new: the first stores three calls, the second four (one after the
    // other: a SQLite ledger has one writing process at a time, a PostgreSQL one several)
    try (JdbcLedger first = JdbcLedger.open(location)) {
      first.costStore().write(List.of(rollup(first.requestLog(), n, 3, null)));
    }
    try (JdbcLedger second = JdbcLedger.open(location)) {
      second.costStore().write(List.of(rollup(second.requestLog(), n, 4, null)));

      assertThat(second.costStore().trace(traceId).orElseThrow().total()).isEqualByComparingTo(cost(4));
      List<BigDecimal> lines = lines(jdbc, traceId);
      assertThat(lines).hasSize(4); // the four calls (billable lines), nothing of the first rollup
      assertThat(lines.stream().reduce(BigDecimal.ZERO, BigDecimal::add))
          .isEqualByComparingTo(cost(4));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void spansCostedUnderAnotherFingerprintAreFoundAgainByTheirBatch(String kind, String location,
      String jdbc) throws Exception {
    long n = kind.equals("sqlite") ? 920_001 : 920_002;
    String traceId = OtlpPayloads.traceIdHex(n);
    try (JdbcLedger ledger = JdbcLedger.open(location)) {
      RequestLog log = ledger.requestLog();
      CostStore store = ledger.costStore();
      // as an earlier version fingerprinted them (here: any other value than the decoder's)
      store.write(List.of(rollup(log, n, 3, "0ld0")));

      List<IncomingSpan> found = StoredSpans.of(store, log, traceId);

      assertThat(found).hasSize(4);
      assertThat(found).allSatisfy(s -> assertThat(s.fingerprint()).startsWith("0ld0"));
      assertThat(found).extracting(s -> s.record().spanId()).doesNotHaveDuplicates();
    }
  }

  @org.junit.jupiter.api.Test
  void aRollupStoredWhileItsRequestsCannotBeMarkedDoneIsKeptAndTheyStayPending() throws Exception {
    java.nio.file.Path file = dir.resolve("locked.db");
    long n = 930_001;
    String traceId = OtlpPayloads.traceIdHex(n);
    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      RequestLog log = ledger.requestLog();
      CostStore store = ledger.costStore();
      Rollup rollup = rollup(log, n, 2, null);
      long batch = rollup.spans().get(0).batchId();
      // another process holds the received requests' file for writing past the busy timeout
      try (Connection other = DriverManager.getConnection(
          "jdbc:sqlite:" + JdbcLedger.receivedFile(file))) {
        other.createStatement().execute("BEGIN IMMEDIATE");

        store.write(List.of(rollup));
        log.markDone(List.of(batch));

        other.createStatement().execute("ROLLBACK");
      }

      assertThat(store.trace(traceId).orElseThrow().total()).isEqualByComparingTo(cost(2));
      assertThat(log.pending()).extracting(IncomingSpan::batchId).containsOnly(batch)
          .hasSize(3);
      // stored again (as on the next start), they are marked done and counted once
      store.write(List.of(new Rollup(traceId, rollup.result(), rollup.spans(), true)));
      log.markDone(List.of(batch));
      assertThat(log.pending()).isEmpty();
      assertThat(lines("jdbc:sqlite:" + file, traceId)).hasSize(2); // the calls; not the root
      assertThat(StoredSpans.count(store, log)).isEqualTo(3);
    }
  }

  /**
   * Trace {@code n} with {@code calls} calls, stored as received, rolled up as new to the ledger.
   *
   * @param fingerprintPrefix when set, each span's fingerprint is replaced by one starting so
   */
  private static Rollup rollup(RequestLog log, long n, int calls, String fingerprintPrefix)
      throws Exception {
    byte[] body = OtlpPayloads.trace(n, calls).toByteArray();
    List<IncomingSpan> spans = new ArrayList<>();
    for (IncomingSpan span : SpanConverter.convert(body).spans()) {
      spans.add(fingerprintPrefix == null ? span : new IncomingSpan(span.record(),
          fingerprintPrefix + span.fingerprint().substring(fingerprintPrefix.length()),
          span.payload()));
    }
    List<IncomingSpan> stored = log.append(List.of(new ReceivedRequest(body, spans))).get(0);
    TraceRollup rollup = ENGINE.newRollup();
    stored.forEach(s -> rollup.add(s.record()));
    return new Rollup(OtlpPayloads.traceIdHex(n), rollup.result(), stored, true, false);
  }

  private static BigDecimal cost(int calls) {
    return OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(calls));
  }

  /** Every cost line's cost for the trace (zero for lines without one): billable lines only. */
  private static List<BigDecimal> lines(String jdbc, String traceId) throws Exception {
    List<BigDecimal> costs = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbc);
        PreparedStatement select =
            c.prepareStatement("SELECT cost FROM cost_lines WHERE trace_id = ?")) {
      select.setString(1, traceId);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          costs.add(rs.getString(1) == null ? BigDecimal.ZERO : new BigDecimal(rs.getString(1)));
        }
      }
    }
    return costs;
  }
}
