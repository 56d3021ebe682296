package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.SpanRow;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned schema migrations, applied in order inside one transaction each. A migration, once
 * released, is never edited; a change is a new version.
 */
final class Migrations {

  private Migrations() {}

  static List<String> v1(Dialect d) {
    return List.of(
        "CREATE TABLE spans ("
            + " trace_id VARCHAR(32) NOT NULL,"
            + " span_id VARCHAR(16) NOT NULL,"
            + " fingerprint VARCHAR(16) NOT NULL,"
            + " parent_span_id VARCHAR(16),"
            + " name TEXT NOT NULL,"
            + " start_nanos BIGINT NOT NULL,"
            + " end_nanos BIGINT NOT NULL,"
            + " received_at_ms BIGINT NOT NULL,"
            + " payload " + d.bytes + " NOT NULL,"
            + " PRIMARY KEY (trace_id, span_id, fingerprint))",
        "CREATE TABLE pending_traces ("
            + " trace_id VARCHAR(32) PRIMARY KEY,"
            + " since_ms BIGINT NOT NULL)",
        "CREATE TABLE cost_lines ("
            + " trace_id VARCHAR(32) NOT NULL,"
            + " span_id VARCHAR(16) NOT NULL,"
            + " fingerprint VARCHAR(16) NOT NULL,"
            + " line SMALLINT NOT NULL,"
            + " start_nanos BIGINT NOT NULL,"
            + " day VARCHAR(10) NOT NULL,"
            + " agent TEXT NOT NULL,"
            + " task TEXT NOT NULL,"
            + " client TEXT NOT NULL,"
            + " provider TEXT,"
            + " model TEXT,"
            + " status VARCHAR(16) NOT NULL,"
            + " reason TEXT,"
            + " cost " + d.decimal + ","
            + " span_cost " + d.decimal + ","
            + " currency VARCHAR(3) NOT NULL,"
            + " price_ref TEXT,"
            + " input_tokens BIGINT NOT NULL,"
            + " output_tokens BIGINT NOT NULL,"
            + " retry SMALLINT NOT NULL,"
            + " shared SMALLINT NOT NULL,"
            + " PRIMARY KEY (trace_id, span_id, fingerprint, line))",
        "CREATE INDEX cost_lines_start ON cost_lines (start_nanos)",
        "CREATE TABLE traces ("
            + " trace_id VARCHAR(32) PRIMARY KEY,"
            + " currency VARCHAR(3) NOT NULL,"
            + " total " + d.decimal + " NOT NULL,"
            + " total_rank DOUBLE PRECISION NOT NULL,"
            + " complete SMALLINT NOT NULL,"
            + " root_span_id VARCHAR(16),"
            + " root_name TEXT,"
            + " span_count INTEGER NOT NULL,"
            + " unpriced_spans INTEGER NOT NULL,"
            + " shared_total " + d.decimal + " NOT NULL,"
            + " retry_total " + d.decimal + " NOT NULL,"
            + " start_nanos BIGINT NOT NULL,"
            + " by_agent TEXT NOT NULL,"
            + " by_model TEXT NOT NULL,"
            + " by_client TEXT NOT NULL,"
            + " clients TEXT NOT NULL,"
            + " updated_at_ms BIGINT NOT NULL)",
        "CREATE INDEX traces_start ON traces (start_nanos)");
  }

  /**
   * Version 2: received export requests are stored whole, one row per request ({@code batches},
   * pending until every trace in it is rolled up), instead of one row per span with its own copy of
   * the payload; a span's row is its first cost line, which gains the span's name, parent, end and
   * batch. Spans stored by version 1 are moved into one batch per trace (their payloads are exactly
   * the {@code resource_spans} entries of an export request), so nothing stored is lost.
   */
  static void v2(Connection connection, Dialect d) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE batches ("
          + " batch_id " + d.serialKey + ","
          + " received_at_ms BIGINT NOT NULL,"
          + " span_count INTEGER NOT NULL,"
          + " pending SMALLINT NOT NULL,"
          + " body " + d.bytes + " NOT NULL)");
      statement.execute("CREATE INDEX batches_pending ON batches (batch_id) WHERE pending = 1");
      statement.execute("ALTER TABLE cost_lines ADD COLUMN parent_span_id VARCHAR(16)");
      statement.execute("ALTER TABLE cost_lines ADD COLUMN name TEXT");
      statement.execute("ALTER TABLE cost_lines ADD COLUMN end_nanos BIGINT");
      statement.execute("ALTER TABLE cost_lines ADD COLUMN batch_id BIGINT");
    }
    moveVersionOneSpans(connection);
    try (Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE spans");
      statement.execute("DROP TABLE pending_traces");
    }
  }

  private static void moveVersionOneSpans(Connection connection) throws SQLException {
    java.util.Set<String> pending = new java.util.HashSet<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT trace_id FROM pending_traces")) {
      while (rs.next()) {
        pending.add(rs.getString(1));
      }
    }
    try (Statement select = connection.createStatement();
        ResultSet rs = select.executeQuery("SELECT trace_id, span_id, fingerprint, parent_span_id,"
            + " name, end_nanos, received_at_ms, payload FROM spans ORDER BY trace_id");
        PreparedStatement batch = connection.prepareStatement("INSERT INTO batches"
            + " (received_at_ms, span_count, pending, body) VALUES (?, ?, ?, ?) RETURNING batch_id");
        PreparedStatement line = connection.prepareStatement("UPDATE cost_lines SET"
            + " parent_span_id = ?, name = ?, end_nanos = ?, batch_id = ?"
            + " WHERE trace_id = ? AND span_id = ? AND fingerprint = ?")) {
      String trace = null;
      java.util.List<Object[]> spans = new java.util.ArrayList<>();
      while (true) {
        boolean more = rs.next();
        String next = more ? rs.getString(1) : null;
        if (trace != null && !trace.equals(next)) {
          moveTrace(trace, spans, pending.contains(trace), batch, line);
          spans.clear();
        }
        if (!more) {
          break;
        }
        trace = next;
        spans.add(new Object[] {rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getLong(6), rs.getLong(7), rs.getBytes(8)});
      }
    }
  }

  /** One version-1 trace: its payloads become one export request, its cost lines point at it. */
  private static void moveTrace(String traceId, java.util.List<Object[]> spans, boolean pending,
      PreparedStatement batch, PreparedStatement line) throws SQLException {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    long receivedAt = 0;
    try {
      com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(body);
      for (Object[] span : spans) {
        out.writeByteArray(1, (byte[]) span[6]);
        receivedAt = Math.max(receivedAt, (Long) span[5]);
      }
      out.flush();
    } catch (java.io.IOException e) {
      throw new SQLException("cannot re-encode the stored spans of trace " + traceId, e);
    }
    batch.setLong(1, receivedAt);
    batch.setInt(2, spans.size());
    batch.setInt(3, pending ? 1 : 0);
    batch.setBytes(4, body.toByteArray());
    long batchId;
    try (ResultSet rs = batch.executeQuery()) {
      rs.next();
      batchId = rs.getLong(1);
    }
    for (Object[] span : spans) {
      line.setString(1, (String) span[2]);
      line.setString(2, (String) span[3]);
      line.setLong(3, (Long) span[4]);
      line.setLong(4, batchId);
      line.setString(5, traceId);
      line.setString(6, (String) span[0]);
      line.setString(7, (String) span[1]);
      line.executeUpdate();
    }
  }

  private static final String LINE_COLUMNS = "trace_id, span_id, fingerprint, line, start_nanos,"
      + " day, agent, task, client, provider, model, status, reason, cost, span_cost, currency,"
      + " price_ref, input_tokens, output_tokens, retry, shared, parent_span_id, name, end_nanos,"
      + " batch_id";

  /**
   * Version 3: cost lines get a number ({@code line_id}) and lose their primary key on (trace id,
   * span id, fingerprint, line); a trace's lines are numbered consecutively when stored and its
   * {@code traces} row names the range. Trace ids are random, so an index keyed by them took an
   * insert somewhere in the middle of the index for every line, and the pages that touched made
   * storing a line three to four times dearer; a trace now costs one such insert (its
   * {@code traces} row) however many lines it has. A line is still never stored twice: a trace's
   * lines are replaced as a whole, from its distinct deliveries. Batches gain an {@code encoding}
   * ({@code identity}, or {@code deflate} as stored from now on).
   */
  static void v3(Connection connection, Dialect d) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE cost_lines_v3 ("
          + " line_id " + d.idKey + ","
          + " trace_id VARCHAR(32) NOT NULL,"
          + " span_id VARCHAR(16) NOT NULL,"
          + " fingerprint VARCHAR(16) NOT NULL,"
          + " line SMALLINT NOT NULL,"
          + " start_nanos BIGINT NOT NULL,"
          + " day VARCHAR(10) NOT NULL,"
          + " agent TEXT NOT NULL,"
          + " task TEXT NOT NULL,"
          + " client TEXT NOT NULL,"
          + " provider TEXT,"
          + " model TEXT,"
          + " status VARCHAR(16) NOT NULL,"
          + " reason TEXT,"
          + " cost " + d.decimal + ","
          + " span_cost " + d.decimal + ","
          + " currency VARCHAR(3) NOT NULL,"
          + " price_ref TEXT,"
          + " input_tokens BIGINT NOT NULL,"
          + " output_tokens BIGINT NOT NULL,"
          + " retry SMALLINT NOT NULL,"
          + " shared SMALLINT NOT NULL,"
          + " parent_span_id VARCHAR(16),"
          + " name TEXT,"
          + " end_nanos BIGINT,"
          + " batch_id BIGINT)");
      statement.execute("INSERT INTO cost_lines_v3 (line_id, " + LINE_COLUMNS + ")"
          + " SELECT ROW_NUMBER() OVER (ORDER BY trace_id, span_id, fingerprint, line), "
          + LINE_COLUMNS + " FROM cost_lines");
      statement.execute("DROP TABLE cost_lines");
      statement.execute("ALTER TABLE cost_lines_v3 RENAME TO cost_lines");
      statement.execute("CREATE INDEX cost_lines_start ON cost_lines (start_nanos)");
      statement.execute("ALTER TABLE traces ADD COLUMN first_line_id BIGINT");
      statement.execute("ALTER TABLE traces ADD COLUMN last_line_id BIGINT");
      // only for this update: without it, each trace's range would be a scan of every line
      statement.execute("CREATE INDEX cost_lines_v3_trace ON cost_lines (trace_id)");
      statement.execute("UPDATE traces SET"
          + " first_line_id = (SELECT MIN(line_id) FROM cost_lines c WHERE c.trace_id = traces.trace_id),"
          + " last_line_id = (SELECT MAX(line_id) FROM cost_lines c WHERE c.trace_id = traces.trace_id)");
      statement.execute("DROP INDEX cost_lines_v3_trace");
      statement.execute("ALTER TABLE batches ADD COLUMN encoding VARCHAR(8) NOT NULL"
          + " DEFAULT 'identity'");
    }
  }

  /** The version from which a SQLite ledger keeps {@code batches} in a file of its own. */
  static final int RECEIVED_APART = 4;

  /**
   * Version 4: on SQLite, received requests ({@code batches}) move to a file of their own beside
   * the ledger, attached as {@code received} (see {@code JdbcLedger.receivedFile}). SQLite has one
   * writer per file: with both in one file, acknowledging a request (a durable commit) waited for
   * the rollup being written, and rollups for it, so the two took turns on one lock. On
   * PostgreSQL, where they do not block each other, nothing changes.
   *
   * <p>SQLite commits a transaction over attached files atomically per file only, so no
   * transaction here both removes a request from one file and adds it to the other: requests are
   * copied (ids, pending marks and all; only ids the new file does not have, so an interrupted
   * move goes on where it stopped and nothing in the new file is ever replaced), then, under the
   * ledger's write lock, those the new file holds byte for byte are deleted from the ledger; if
   * requests arrived meanwhile (a service of the previous version still writing), they are
   * copied in turn, and the table is dropped only when empty. Interrupted anywhere, the ledger
   * is still at version 3 with every request it has not copied.
   */
  static void v4(Connection connection, Dialect d) throws SQLException {
    if (d != Dialect.SQLITE) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS received.batches ("
          + " batch_id " + d.serialKey + ","
          + " received_at_ms BIGINT NOT NULL,"
          + " span_count INTEGER NOT NULL,"
          + " pending SMALLINT NOT NULL,"
          + " body " + d.bytes + " NOT NULL,"
          + " encoding VARCHAR(8) NOT NULL DEFAULT 'identity')");
      statement.execute("CREATE INDEX IF NOT EXISTS received.batches_pending"
          + " ON batches (batch_id) WHERE pending = 1");
      connection.commit();
      while (true) {
        // the ledger's write lock first (a write that changes nothing): a service of the previous
        // version cannot add a request between the copy and the delete below
        statement.execute("DELETE FROM main.batches WHERE batch_id < 0");
        int copied = statement.executeUpdate("INSERT INTO received.batches"
            + " (batch_id, received_at_ms, span_count, pending, body, encoding)"
            + " SELECT batch_id, received_at_ms, span_count, pending, body, encoding"
            + " FROM main.batches m WHERE NOT EXISTS"
            + " (SELECT 1 FROM received.batches r WHERE r.batch_id = m.batch_id)"
            + " ORDER BY batch_id");
        connection.commit();
        // only what the new file holds as it is here
        int moved = statement.executeUpdate("DELETE FROM main.batches WHERE EXISTS"
            + " (SELECT 1 FROM received.batches r WHERE r.batch_id = main.batches.batch_id"
            + " AND r.body = main.batches.body)");
        long left;
        try (ResultSet rs = statement.executeQuery("SELECT MIN(batch_id), COUNT(*) FROM main.batches")) {
          rs.next();
          left = rs.getLong(2);
          if (left > 0 && copied == 0 && moved == 0) {
            throw new SQLException("cannot move the received requests to their own file: request "
                + rs.getLong(1) + " is in both with different contents (were two versions of the"
                + " service writing at once?); nothing was removed");
          }
        }
        if (left == 0) {
          statement.execute("DROP TABLE main.batches");
          return; // committed with the version
        }
        connection.commit();
      }
    }
  }

  /**
   * Version 5: a trace's spans move into one value of its {@code traces} row ({@code spans}, see
   * {@link SpanList}), and {@code cost_lines} keeps only billable lines (priced or unpriced), the
   * only ones cost queries read. Storing a line per span, billable or not, was most of the cost of
   * storing a rollup: a trace of tool, HTTP and database spans now costs one row. {@code
   * stored_spans} counts the deliveries a rollup stored (what counting first lines gave).
   */
  static void v5(Connection connection, Dialect d) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE traces ADD COLUMN spans " + d.bytes);
      statement.execute("ALTER TABLE traces ADD COLUMN stored_spans INTEGER NOT NULL DEFAULT 0");
    }
    try (PreparedStatement page = connection.prepareStatement("SELECT trace_id, first_line_id,"
            + " last_line_id FROM traces WHERE trace_id > ? ORDER BY trace_id LIMIT 500");
        PreparedStatement lines = connection.prepareStatement("SELECT span_id, fingerprint,"
            + " batch_id, parent_span_id, name, start_nanos, agent, model, status, reason,"
            + " span_cost FROM cost_lines WHERE line_id BETWEEN ? AND ? AND line = 0"
            + " ORDER BY line_id");
        PreparedStatement update = connection.prepareStatement(
            "UPDATE traces SET spans = ?, stored_spans = ? WHERE trace_id = ?")) {
      String after = "";
      while (true) {
        List<Object[]> traces = new ArrayList<>();
        page.setString(1, after);
        try (ResultSet rs = page.executeQuery()) {
          while (rs.next()) {
            traces.add(new Object[] {rs.getString(1), rs.getObject(2) == null ? null
                : rs.getLong(2), rs.getObject(3) == null ? null : rs.getLong(3)});
          }
        }
        if (traces.isEmpty()) {
          break;
        }
        for (Object[] trace : traces) {
          List<SpanList.Entry> entries = new ArrayList<>();
          if (trace[1] != null) {
            lines.setLong(1, (Long) trace[1]);
            lines.setLong(2, (Long) trace[2]);
            try (ResultSet rs = lines.executeQuery()) {
              while (rs.next()) {
                String cost = rs.getString(11);
                entries.add(new SpanList.Entry(
                    new DeliveryKey(rs.getString(1), rs.getString(2)), rs.getLong(3),
                    new SpanRow(rs.getString(1), rs.getString(4),
                        rs.getString(5) == null ? "" : rs.getString(5), rs.getLong(6),
                        rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                        cost == null ? null : new BigDecimal(cost).stripTrailingZeros())));
              }
            }
          }
          update.setBytes(1, SpanList.encodeEntries(entries));
          update.setInt(2, entries.size());
          update.setString(3, (String) trace[0]);
          update.addBatch();
          after = (String) trace[0];
        }
        update.executeBatch();
      }
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM cost_lines WHERE status NOT IN ('priced', 'unpriced')");
      // each trace's range shrinks to the lines it keeps (none: no range), so that no range reaches
      // past the highest line left, from which new lines are numbered
      statement.execute("UPDATE traces SET"
          + " first_line_id = (SELECT MIN(c.line_id) FROM cost_lines c"
          + " WHERE c.line_id BETWEEN traces.first_line_id AND traces.last_line_id),"
          + " last_line_id = (SELECT MAX(c.line_id) FROM cost_lines c"
          + " WHERE c.line_id BETWEEN traces.first_line_id AND traces.last_line_id)"
          + " WHERE first_line_id IS NOT NULL");
    }
  }

  /**
   * Version 6: {@code cost_reversals}, the cost rollups that replaced earlier ones took back from
   * each label set of the cost counters, summed over the ledger's life (see
   * {@code CounterTotals#reversed}): with it the service restores counters that never decrease.
   */
  static void v6(Connection connection, Dialect d) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE cost_reversals ("
          + " agent TEXT NOT NULL,"
          + " model TEXT NOT NULL,"
          + " provider TEXT NOT NULL,"
          + " client TEXT NOT NULL,"
          + " currency VARCHAR(3) NOT NULL,"
          + " amount " + d.decimal + " NOT NULL,"
          + " PRIMARY KEY (agent, model, provider, client, currency))");
    }
  }

  /**
   * Version 7: {@code pricings}, the prices rollups were computed with (see {@code Pricing}), and
   * each trace's {@code pricing_id}: a trace rolled up again keeps the prices it was stored with
   * (a reprice's, say) instead of the service's.
   */
  static void v7(Connection connection, Dialect d) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE pricings ("
          + " pricing_id VARCHAR(300) PRIMARY KEY,"
          + " bundled TEXT NOT NULL,"
          + " name TEXT,"
          + " content TEXT,"
          + " stored_at_ms BIGINT NOT NULL)");
      statement.execute("ALTER TABLE traces ADD COLUMN pricing_id VARCHAR(300)");
    }
  }

  /** The schema version of the SQLite ledger at {@code url}, 0 for none. */
  static int version(String url) throws SQLException {
    try (Connection connection = java.sql.DriverManager.getConnection(url);
        Statement statement = connection.createStatement();
        ResultSet tables = statement.executeQuery(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'agentmeter_schema'")) {
      if (!tables.next()) {
        return 0;
      }
      try (Statement select = connection.createStatement();
          ResultSet rs = select.executeQuery("SELECT MAX(version) FROM agentmeter_schema")) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }

  /** A schema version: what it changes, applied in the migration's transaction. */
  private interface Step {
    void apply(Connection connection, Dialect dialect) throws SQLException;
  }

  private static final List<Step> STEPS = List.of(
      (connection, dialect) -> {
        try (Statement statement = connection.createStatement()) {
          for (String sql : v1(dialect)) {
            statement.execute(sql);
          }
        }
      },
      Migrations::v2,
      Migrations::v3,
      Migrations::v4,
      Migrations::v5,
      Migrations::v6,
      Migrations::v7);

  /** Brings the schema up to the newest version. */
  static void apply(Connection connection, Dialect dialect) throws SQLException {
    applyUpTo(connection, dialect, STEPS.size());
  }

  /**
   * Brings the schema up to {@code target} (tests of a later migration stop at an earlier one),
   * each version in a transaction of its own.
   */
  static void applyUpTo(Connection connection, Dialect dialect, int target) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS agentmeter_schema ("
          + " version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL)");
      connection.commit();
      int current = 0;
      try (ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM agentmeter_schema")) {
        if (rs.next()) {
          current = rs.getInt(1);
        }
      }
      for (int version = current + 1; version <= target; version++) {
        STEPS.get(version - 1).apply(connection, dialect);
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO agentmeter_schema (version, applied_at_ms) VALUES (?, ?)")) {
          insert.setInt(1, version);
          insert.setLong(2, System.currentTimeMillis());
          insert.executeUpdate();
        }
        connection.commit();
      }
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static int latest() {
    return STEPS.size();
  }
}
