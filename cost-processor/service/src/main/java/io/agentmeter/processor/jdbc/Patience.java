package io.agentmeter.processor.jdbc;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;

/**
 * Retrying through a lost database connection (a PostgreSQL server restarting), with backoff, for
 * the work no sender waits on: the rollups and what the coster reads for them. Without it, traces
 * that close while the server is away would stay pending until the next start. Other failures,
 * and everything on SQLite, fail at once.
 */
final class Patience {

  /** How long rollups wait for the database to come back before they fail (and stay pending). */
  static final Duration ROLLUPS = Duration.ofSeconds(60);

  private Patience() {}

  @FunctionalInterface
  interface Call<T> {
    T run() throws SQLException;
  }

  static <T> T retrying(Duration patience, Call<T> call) throws SQLException {
    long deadline = System.nanoTime() + patience.toNanos();
    long backoffMillis = 100;
    while (true) {
      try {
        return call.run();
      } catch (SQLException e) {
        if (!connectionLost(e) || System.nanoTime() + backoffMillis * 1_000_000 > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while waiting for the database to come back", e);
      }
      backoffMillis = Math.min(2_000, backoffMillis * 2);
    }
  }

  /**
   * Whether {@code e} (or what caused it) is a lost or refused connection: the pool timed out, or
   * SQL state class 08 (connection exception) or 57P (the server shutting down or starting).
   */
  static boolean connectionLost(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
        return true;
      }
    }
    return false;
  }
}
