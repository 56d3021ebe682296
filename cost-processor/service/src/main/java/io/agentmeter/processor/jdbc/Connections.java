package io.agentmeter.processor.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where one of the ledger's roles (ingest writes, rollup writes, reads) gets its connection: a
 * pool on PostgreSQL ({@link PooledConnections}), one kept connection on SQLite
 * ({@link SqliteConnection}). Either way a transaction is all or nothing whatever fails under it,
 * and the next one starts on a connection that works: a broken one is replaced, not kept.
 */
interface Connections extends AutoCloseable {

  /** Work on a connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction, committed when it returns. If anything fails (the work,
   * the commit, the connection) nothing of it stays and the exception is thrown.
   */
  <T> T transaction(Work<T> work) throws SQLException;

  /** Runs reads, each statement on its own (no transaction held open). */
  <T> T read(Work<T> work) throws SQLException;

  /**
   * Whether the role reaches the ledger now: a trivial query, waiting at most {@code timeout}.
   *
   * @return why not, or {@code null}
   */
  @Nullable String problem(Duration timeout);

  /**
   * The last transaction's failure when no transaction succeeded since, or {@code null}.
   *
   * @param message what failed
   * @param atMillis when (the ledger's clock)
   */
  record Failure(String message, long atMillis) {}

  @Nullable Failure lastFailure();

  @Override
  void close();
}
