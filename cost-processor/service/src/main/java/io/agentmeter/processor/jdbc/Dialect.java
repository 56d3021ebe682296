package io.agentmeter.processor.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The SQL differences between the two stores; everything else is shared SQL. */
enum Dialect {
  SQLITE("TEXT", "BLOB", "INTEGER PRIMARY KEY", "INTEGER PRIMARY KEY"),
  POSTGRES("NUMERIC(38,18)", "BYTEA", "BIGSERIAL PRIMARY KEY", "BIGINT PRIMARY KEY");

  final String decimal;
  final String bytes;
  /** A 64-bit key the database assigns on insert. */
  final String serialKey;
  /** A 64-bit key the service assigns (on SQLite the row id itself). */
  final String idKey;

  Dialect(String decimal, String bytes, String serialKey, String idKey) {
    this.decimal = decimal;
    this.bytes = bytes;
    this.serialKey = serialKey;
    this.idKey = idKey;
  }

  /**
   * On PostgreSQL: the next transaction on {@code connection} stores only what can be recomputed
   * from stored requests (a rollup, or the clearing of requests' pending marks), so its commit
   * need not wait for the disk: a crash that loses it leaves requests pending, and they are rolled
   * up again on start. PostgreSQL's log is one sequence, so a mark's clearing is never durable
   * without the rollup committed before it, and the next durable commit (an append) makes both
   * durable.
   *
   * <p>On SQLite nothing changes: the marks are in another file than the rollups, so there a
   * rollup's commit waits for the disk (off the acknowledgement's path) before its requests' marks
   * are cleared, and every commit is durable ({@code synchronous=FULL}).
   */
  void derivedDataTransaction(Connection connection) throws SQLException {
    if (this != POSTGRES) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET LOCAL synchronous_commit TO OFF");
    }
  }
}
