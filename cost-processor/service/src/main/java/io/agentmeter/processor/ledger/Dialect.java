package io.agentmeter.processor.ledger;

/** The SQL differences between the two stores; everything else is shared SQL. */
enum Dialect {
  SQLITE("TEXT", "BLOB"),
  POSTGRES("NUMERIC(38,18)", "BYTEA");

  final String decimal;
  final String bytes;

  Dialect(String decimal, String bytes) {
    this.decimal = decimal;
    this.bytes = bytes;
  }
}
