package io.agentmeter.processor.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmeter.processor.Processor;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.otlp.SpanConverter;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ledger written by an earlier schema version keeps every span and rollup when opened. */
class MigrationTest {

  @TempDir Path dir;

  @Test
  void versionOneSpansMoveIntoBatchesAndPendingTracesAreRolledUpAfterTheUpgrade() throws Exception {
    Path file = dir.resolve("v1.db");
    List<IncomingSpan> rolledUp =
        SpanConverter.convert(OtlpPayloads.trace(1, 2).toByteArray()).spans();
    List<IncomingSpan> pending =
        SpanConverter.convert(OtlpPayloads.trace(2, 3).toByteArray()).spans();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Migrations.applyUpTo(c, Dialect.SQLITE, 1);
      insertVersionOneSpans(c, rolledUp);
      insertVersionOneSpans(c, pending);
      try (PreparedStatement p = c.prepareStatement(
          "INSERT INTO pending_traces (trace_id, since_ms) VALUES (?, 0)")) {
        p.setString(1, OtlpPayloads.traceIdHex(2));
        p.executeUpdate();
      }
      // trace 1 was rolled up by version 1: a cost line per span and its traces row
      try (PreparedStatement line = c.prepareStatement("INSERT INTO cost_lines (trace_id, span_id,"
          + " fingerprint, line, start_nanos, day, agent, task, client, status, cost, span_cost,"
          + " currency, input_tokens, output_tokens, retry, shared)"
          + " VALUES (?, ?, ?, 0, ?, '2026-11-30', 'researcher', 't', 'c', ?, ?, ?, 'USD', 0, 0, 0, 0)")) {
        for (IncomingSpan span : rolledUp) {
          boolean root = span.record().isRoot();
          line.setString(1, span.record().traceId());
          line.setString(2, span.record().spanId());
          line.setString(3, span.fingerprint());
          line.setLong(4, span.record().startEpochNanos());
          line.setString(5, root ? "not_billable" : "priced");
          line.setString(6, root ? null : OtlpPayloads.CALL_COST.toPlainString());
          line.setString(7, root ? null : OtlpPayloads.CALL_COST.toPlainString());
          line.executeUpdate();
        }
      }
      try (PreparedStatement trace = c.prepareStatement("INSERT INTO traces (trace_id, currency,"
          + " total, total_rank, complete, span_count, unpriced_spans, shared_total, retry_total,"
          + " start_nanos, by_agent, by_model, by_client, clients, updated_at_ms)"
          + " VALUES (?, 'USD', '0.000042', 0.000042, 1, 3, 0, '0', '0', 0, '{}', '{}', '{}', ',c,', 0)")) {
        trace.setString(1, OtlpPayloads.traceIdHex(1));
        trace.executeUpdate();
      }
    }

    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      RequestLog log = ledger.requestLog();
      CostStore store = ledger.costStore();
      assertThat(ledger.schemaVersion()).isEqualTo(Migrations.latest());
      assertThat(StoredSpans.all(store, log, OtlpPayloads.traceIdHex(1)))
          .extracting(IncomingSpan::fingerprint).containsExactlyInAnyOrderElementsOf(rolledUp.stream().map(IncomingSpan::fingerprint).toList());
      assertThat(StoredSpans.of(store, log, OtlpPayloads.traceIdHex(1))).hasSize(3);
      assertThat(log.pending()).extracting(s -> s.record().spanId())
          .containsExactlyInAnyOrderElementsOf(pending.stream().map(s -> s.record().spanId()).toList());
      assertThat(StoredSpans.count(store, log)).isEqualTo(7);
      assertThat(store.trace(OtlpPayloads.traceIdHex(1)).orElseThrow().spans())
          .extracting(SpanRow::name).containsExactlyInAnyOrderElementsOf(
              rolledUp.stream().map(s -> s.record().name()).toList());
    }

    try (Processor processor = Processor.builder().setLedger(file.toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(50)).start()) {
      assertThat(processor.recoveredTraces()).isEqualTo(1);
      processor.flush();
      TraceCost trace = processor.costStore().trace(OtlpPayloads.traceIdHex(2)).orElseThrow();
      assertThat(trace.total()).isEqualByComparingTo(
          OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(3)));
      assertThat(trace.spans()).hasSize(4);
      assertThat(processor.requestLog().pending()).isEmpty();
      assertThat(StoredSpans.count(processor.costStore(), processor.requestLog())).isEqualTo(7);
    }
  }

  @Test
  void versionThreeRequestsMoveToTheReceivedFileWithTheirIdsAndPendingMarks() throws Exception {
    Path file = dir.resolve("v3.db");
    byte[] done = OtlpPayloads.trace(1, 2).toByteArray();
    byte[] pending = OtlpPayloads.trace(2, 3).toByteArray();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Migrations.applyUpTo(c, Dialect.SQLITE, 3);
      insertVersionThreeBatch(c, 7, done, false);
      insertVersionThreeBatch(c, 9, pending, true);
    }

    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      assertThat(ledger.schemaVersion()).isEqualTo(Migrations.latest());
      assertThat(ledger.requestLog().pending()).hasSize(SpanConverter.convert(pending).spans().size())
          .allSatisfy(span -> assertThat(span.batchId()).isEqualTo(9));
      // a request received now is numbered after the moved ones
      assertThat(ledger.requestLog().append(List.of(
              new ReceivedRequest(done, SpanConverter.convert(done).spans()))).get(0))
          .allSatisfy(span -> assertThat(span.batchId()).isEqualTo(10));
    }
    assertThat(tables(file)).doesNotContain("batches").contains("cost_lines", "traces");
    assertThat(tables(JdbcLedger.receivedFile(file))).containsExactly("batches");
    assertThat(batches(JdbcLedger.receivedFile(file)))
        .containsExactly(List.of(7L, 0L, done.length), List.of(9L, 1L, pending.length),
            List.of(10L, 1L, -1));
  }

  @Test
  void aMoveInterruptedAfterTheCopyGoesOnWithWhatArrivedSinceAndKeepsTheCopy() throws Exception {
    Path file = dir.resolve("v3.db");
    byte[] first = OtlpPayloads.trace(1, 2).toByteArray();
    byte[] second = OtlpPayloads.trace(2, 3).toByteArray();
    byte[] later = OtlpPayloads.trace(3, 1).toByteArray();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Migrations.applyUpTo(c, Dialect.SQLITE, 3);
      insertVersionThreeBatch(c, 7, first, false);
      insertVersionThreeBatch(c, 9, second, true);
      // received by a service of the previous version after the interrupted copy
      insertVersionThreeBatch(c, 11, later, true);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + JdbcLedger.receivedFile(file))) {
      createReceivedBatches(c);
      insertVersionThreeBatch(c, 7, first, false);
      insertVersionThreeBatch(c, 9, second, true);
    }

    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      assertThat(ledger.schemaVersion()).isEqualTo(Migrations.latest());
      assertThat(ledger.requestLog().pending()).extracting(IncomingSpan::batchId)
          .containsOnly(9L, 11L)
          .hasSize(SpanConverter.convert(second).spans().size()
              + SpanConverter.convert(later).spans().size());
    }
    assertThat(tables(file)).doesNotContain("batches");
    assertThat(batches(JdbcLedger.receivedFile(file))).containsExactly(
        List.of(7L, 0L, first.length), List.of(9L, 1L, second.length), List.of(11L, 1L, later.length));
  }

  @Test
  void aRequestIdHeldWithOtherContentsInBothFilesStopsTheMoveAndRemovesNothing() throws Exception {
    Path file = dir.resolve("v3.db");
    byte[] mine = OtlpPayloads.trace(2, 3).toByteArray();
    byte[] other = OtlpPayloads.trace(4, 1).toByteArray();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Migrations.applyUpTo(c, Dialect.SQLITE, 3);
      insertVersionThreeBatch(c, 9, mine, true);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + JdbcLedger.receivedFile(file))) {
      createReceivedBatches(c);
      insertVersionThreeBatch(c, 9, other, true);
    }

    assertThatThrownBy(() -> JdbcLedger.open(file.toString()))
        .isInstanceOf(java.sql.SQLException.class)
        .hasMessageContaining("request 9 is in both with different contents")
        .hasMessageContaining("nothing was removed");
    assertThat(batches(file)).containsExactly(List.of(9L, 1L, mine.length));
    assertThat(batches(JdbcLedger.receivedFile(file))).containsExactly(List.of(9L, 1L, other.length));
  }

  @Test
  void aLedgerWhoseReceivedFileIsGoneIsRefusedWithWhatIsMissing() throws Exception {
    Path file = dir.resolve("ledger.db");
    byte[] body = OtlpPayloads.trace(1, 2).toByteArray();
    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      ledger.requestLog().append(
          List.of(new ReceivedRequest(body, SpanConverter.convert(body).spans())));
    }
    Files.delete(JdbcLedger.receivedFile(file));

    assertThatThrownBy(() -> JdbcLedger.open(file.toString()))
        .isInstanceOf(java.sql.SQLException.class)
        .hasMessageContaining("has lost the file of the requests it received")
        .hasMessageContaining(JdbcLedger.receivedFile(file).toString());
    // an empty file in its place is refused too
    Files.createFile(JdbcLedger.receivedFile(file));
    assertThatThrownBy(() -> JdbcLedger.open(file.toString()))
        .hasMessageContaining("has lost the file of the requests it received");
  }

  @Test
  void receivedRequestsWithoutTheirLedgerAreRefusedAndKept() throws Exception {
    Path file = dir.resolve("ledger.db");
    byte[] body = OtlpPayloads.trace(1, 2).toByteArray();
    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      ledger.requestLog().append(
          List.of(new ReceivedRequest(body, SpanConverter.convert(body).spans())));
    }
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(Path.of(file + suffix));
    }

    assertThatThrownBy(() -> JdbcLedger.open(file.toString()))
        .isInstanceOf(java.sql.SQLException.class)
        .hasMessageContaining("the ledger " + file + " is missing")
        .hasMessageContaining("move the file away to start an empty ledger");
    assertThat(Files.exists(file)).isFalse();
    assertThat(batches(JdbcLedger.receivedFile(file))).containsExactly(List.of(1L, 1L, -1));
  }

  @Test
  void versionFourSpansMoveIntoTheirTracesListAndOnlyBillableLinesStay() throws Exception {
    Path file = dir.resolve("v4.db");
    String trace = OtlpPayloads.traceIdHex(5);
    String toolsOnly = OtlpPayloads.traceIdHex(6);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Migrations.applyUpTo(c, Dialect.SQLITE, 3);
      try (PreparedStatement line = c.prepareStatement("INSERT INTO cost_lines (line_id,"
          + " trace_id, span_id, fingerprint, line, start_nanos, day, agent, task, client, model,"
          + " status, cost, span_cost, currency, input_tokens, output_tokens, retry, shared,"
          + " parent_span_id, name, end_nanos, batch_id) VALUES (?, ?, ?, ?, ?, ?, '2026-11-30',"
          + " ?, 't', 'acme', ?, ?, ?, ?, 'USD', ?, 0, 0, ?, ?, ?, 0, ?)")) {
        // the root (not billable), a priced call, a shared resource split across two agents (two
        // lines), a duplicate delivery of the call
        Object[][] rows = {
            {1, "a1", "f1", 0, 100, "planner", null, "not_billable", null, null, 0, 0, null, "run", 3},
            {2, "b2", "f2", 0, 200, "researcher", "gpt-4o", "priced", "0.000042", "0.000042", 1200, 0, "a1", "chat", 3},
            {3, "c3", "f3", 0, 300, "planner", "vector-db", "priced", "0.5", "1.0", 0, 1, "a1", "search", 4},
            {4, "c3", "f3", 1, 300, "writer", "vector-db", "priced", "0.5", null, 0, 1, "a1", "search", 4},
            {5, "b2", "f9", 0, 200, "researcher", "gpt-4o", "duplicate", null, null, 0, 0, "a1", "chat", 4}};
        for (Object[] r : rows) {
          line.setLong(1, ((Integer) r[0]).longValue());
          line.setString(2, trace);
          line.setString(3, (String) r[1]);
          line.setString(4, (String) r[2]);
          line.setInt(5, (Integer) r[3]);
          line.setLong(6, ((Integer) r[4]).longValue());
          line.setString(7, (String) r[5]);
          line.setString(8, (String) r[6]);
          line.setString(9, (String) r[7]);
          line.setString(10, (String) r[8]);
          line.setString(11, (String) r[9]);
          line.setLong(12, ((Integer) r[10]).longValue());
          line.setInt(13, (Integer) r[11]);
          line.setString(14, (String) r[12]);
          line.setString(15, (String) r[13]);
          line.setLong(16, ((Integer) r[14]).longValue());
          line.executeUpdate();
        }
      }
      try (PreparedStatement row = c.prepareStatement("INSERT INTO traces (trace_id, currency,"
          + " total, total_rank, complete, span_count, unpriced_spans, shared_total, retry_total,"
          + " start_nanos, by_agent, by_model, by_client, clients, updated_at_ms, first_line_id,"
          + " last_line_id) VALUES (?, 'USD', '1.000042', 1.000042, 1, 4, 0, '1.0', '0', 100,"
          + " '{}', '{}', '{}', ',acme,', 0, ?, ?)")) {
        row.setString(1, trace);
        row.setLong(2, 1);
        row.setLong(3, 5);
        row.executeUpdate();
        // a second trace of a root and a tool span only (lines 6 and 7, neither billable)
        c.createStatement().execute("INSERT INTO cost_lines (line_id, trace_id, span_id,"
            + " fingerprint, line, start_nanos, day, agent, task, client, status, currency,"
            + " input_tokens, output_tokens, retry, shared, name, batch_id) VALUES"
            + " (6, '" + toolsOnly + "', 'e5', 'f5', 0, 500, '2026-11-30', 'planner', 't', 'acme',"
            + " 'not_billable', 'USD', 0, 0, 0, 0, 'run', 5),"
            + " (7, '" + toolsOnly + "', 'e6', 'f6', 0, 600, '2026-11-30', 'planner', 't', 'acme',"
            + " 'not_billable', 'USD', 0, 0, 0, 0, 'search', 5)");
        row.setString(1, toolsOnly);
        row.setLong(2, 6);
        row.setLong(3, 7);
        row.executeUpdate();
      }
    }

    try (JdbcLedger ledger = JdbcLedger.open(file.toString())) {
      CostStore store = ledger.costStore();
      assertThat(ledger.schemaVersion()).isEqualTo(Migrations.latest());
      assertThat(store.trace(trace).orElseThrow().spans()).containsExactly(
          new SpanRow("a1", null, "run", 100, "planner", null, "not_billable", null, null),
          new SpanRow("b2", "a1", "chat", 200, "researcher", "gpt-4o", "priced", null,
              new BigDecimal("0.000042")),
          new SpanRow("b2", "a1", "chat", 200, "researcher", "gpt-4o", "duplicate", null, null),
          new SpanRow("c3", "a1", "search", 300, "planner", "vector-db", "priced", null,
              BigDecimal.ONE));
      assertThat(store.deliveries(trace)).containsExactly(
          java.util.Map.entry(new IncomingSpan.DeliveryKey("a1", "f1"), 3L),
          java.util.Map.entry(new IncomingSpan.DeliveryKey("b2", "f2"), 3L),
          java.util.Map.entry(new IncomingSpan.DeliveryKey("c3", "f3"), 4L),
          java.util.Map.entry(new IncomingSpan.DeliveryKey("b2", "f9"), 4L));
      assertThat(store.spanCount()).isEqualTo(6); // and the tools-only trace's two
      assertThat(store.costs(new io.agentmeter.processor.model.CostQuery(
              io.agentmeter.processor.model.CostQuery.GroupBy.AGENT,
              java.time.Instant.EPOCH, java.time.Instant.now(), null, null, null, null)))
          .extracting(r -> r.key() + " " + r.cost().toPlainString() + " " + r.spans())
          .containsExactly("planner 0.5 1", "writer 0.5 0", "researcher 0.000042 1");
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.ResultSet rs = c.createStatement().executeQuery(
            "SELECT line_id FROM cost_lines ORDER BY line_id")) {
      List<Long> left = new java.util.ArrayList<>();
      while (rs.next()) {
        left.add(rs.getLong(1));
      }
      assertThat(left).containsExactly(2L, 3L, 4L);
    }
    // each trace's range is that of the lines it keeps (none for the tools-only trace), so new
    // lines, numbered from the highest left (4), never fall in a stored trace's range
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT trace_id, first_line_id,"
            + " last_line_id, stored_spans FROM traces ORDER BY trace_id")) {
      List<String> ranges = new java.util.ArrayList<>();
      while (rs.next()) {
        ranges.add(rs.getString(1) + " " + rs.getObject(2) + ".." + rs.getObject(3) + " "
            + rs.getInt(4));
      }
      assertThat(ranges).containsExactly(trace + " 2..4 4", toolsOnly + " null..null 2");
    }
  }

  private static void createReceivedBatches(Connection c) throws Exception {
    c.createStatement().execute("CREATE TABLE batches (batch_id INTEGER PRIMARY KEY,"
        + " received_at_ms BIGINT NOT NULL, span_count INTEGER NOT NULL, pending SMALLINT NOT NULL,"
        + " body BLOB NOT NULL, encoding VARCHAR(8) NOT NULL DEFAULT 'identity')");
  }

  /**
   * Each stored request's id, pending mark and body length ({@code -1} for a body stored
   * deflated, whose length is not the request's).
   */
  private static List<List<Object>> batches(Path file) throws Exception {
    List<List<Object>> rows = new java.util.ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.ResultSet rs = c.createStatement().executeQuery(
            "SELECT batch_id, pending, length(body), encoding FROM batches ORDER BY batch_id")) {
      while (rs.next()) {
        rows.add(List.of(rs.getLong(1), (long) rs.getInt(2),
            "identity".equals(rs.getString(4)) ? rs.getInt(3) : -1));
      }
    }
    return rows;
  }

  private static void insertVersionThreeBatch(Connection c, long id, byte[] body, boolean pending)
      throws Exception {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO batches (batch_id,"
        + " received_at_ms, span_count, pending, body, encoding) VALUES (?, 0, ?, ?, ?, 'identity')")) {
      insert.setLong(1, id);
      insert.setInt(2, SpanConverter.convert(body).spans().size());
      insert.setInt(3, pending ? 1 : 0);
      insert.setBytes(4, body);
      insert.executeUpdate();
    }
  }

  private static List<String> tables(Path file) throws Exception {
    List<String> names = new java.util.ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT name FROM sqlite_master"
            + " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'agentmeter_schema'"
            + " ORDER BY name")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static void insertVersionOneSpans(Connection c, List<IncomingSpan> spans)
      throws Exception {
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO spans (trace_id, span_id,"
        + " fingerprint, parent_span_id, name, start_nanos, end_nanos, received_at_ms, payload)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)")) {
      for (IncomingSpan span : spans) {
        insert.setString(1, span.record().traceId());
        insert.setString(2, span.record().spanId());
        insert.setString(3, span.fingerprint());
        insert.setString(4, span.record().parentSpanId());
        insert.setString(5, span.record().name());
        insert.setLong(6, span.record().startEpochNanos());
        insert.setLong(7, span.record().endEpochNanos());
        insert.setBytes(8, span.payload());
        insert.executeUpdate();
      }
    }
  }
}
