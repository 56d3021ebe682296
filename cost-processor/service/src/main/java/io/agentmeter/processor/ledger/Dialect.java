package io.agentmeter.processor.ledger;

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
}
