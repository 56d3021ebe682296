package io.agentmeter.processor.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

  /** Brings the schema up to the newest version. */
  static void apply(Connection connection, Dialect dialect) throws SQLException {
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
      List<List<String>> all = List.of(v1(dialect));
      for (int version = current + 1; version <= all.size(); version++) {
        for (String sql : all.get(version - 1)) {
          statement.execute(sql);
        }
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
    return 1;
  }
}
