package io.agentmeter.processor.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One role's SQLite connection, used by one caller at a time. The connection stays in the driver's
 * auto-commit mode and every transaction is begun and committed by explicit statements: SQLite may
 * roll a transaction back by itself (a full disk, an I/O error) while the driver still believes it
 * is open, and statements run after that would each commit on their own. Here a failure ends the
 * transaction's statements at once, and the connection is closed (SQLite rolls back whatever it
 * still had) and opened afresh, with the same settings and attachment, for the next transaction.
 */
final class SqliteConnection implements Connections {

  private final String url;
  private final Properties props;
  private final @Nullable Path received;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  /** Guarded by {@link #lock}; {@code null} after a failure until the next use opens one. */
  private @Nullable Connection current;
  private boolean closed;
  private volatile @Nullable Failure failure;

  private SqliteConnection(String url, Properties props, @Nullable Path received, Clock clock) {
    this.url = url;
    this.props = props;
    this.received = received;
    this.clock = clock;
  }

  /**
   * Opens a connection to {@code url}; with {@code received}, that file attached as
   * {@code received}.
   */
  static SqliteConnection open(String url, Properties props, @Nullable Path received, Clock clock)
      throws SQLException {
    SqliteConnection connections = new SqliteConnection(url, props, received, clock);
    connections.lock.lock();
    try {
      connections.connection();
    } finally {
      connections.lock.unlock();
    }
    return connections;
  }

  /** The open connection, opened if a failure closed it. Called with the lock held. */
  private Connection connection() throws SQLException {
    if (closed) {
      throw new SQLException("the ledger is closed");
    }
    if (current == null) {
      Connection connection = DriverManager.getConnection(url, props);
      if (received != null) {
        try {
          attachReceived(connection, received);
        } catch (SQLException e) {
          closeQuietly(connection, e);
          throw e;
        }
      }
      current = connection;
    }
    return current;
  }

  /**
   * Attaches the received-requests file as {@code received}, durable and in write-ahead-log mode
   * as its own connection has it (set, not left to defaults).
   */
  static void attachReceived(Connection connection, Path received) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("ATTACH DATABASE '" + received.toString().replace("'", "''")
          + "' AS received");
      statement.execute("PRAGMA received.journal_mode = WAL");
      statement.execute("PRAGMA received.synchronous = FULL");
    }
  }

  @Override
  public <T> T transaction(Work<T> work) throws SQLException {
    lock.lock();
    try {
      try {
        Connection connection = connection();
        execute(connection, "BEGIN");
        T result = work.run(connection);
        execute(connection, "COMMIT");
        failure = null;
        return result;
      } catch (SQLException | RuntimeException e) {
        discard(e);
        failure = new Failure(String.valueOf(e.getMessage()), clock.millis());
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public <T> T read(Work<T> work) throws SQLException {
    lock.lock();
    try {
      return work.run(connection());
    } finally {
      lock.unlock();
    }
  }

  /**
   * The only connection of this role, for setting up the ledger (migrations) before it is used.
   * Called before any other thread can use it.
   */
  <T> T setUp(Work<T> work) throws SQLException {
    return read(work);
  }

  @Override
  public @Nullable String problem(Duration timeout) {
    try {
      if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return "busy for longer than " + timeout.toMillis() + " ms";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    try (Statement statement = connection().createStatement()) {
      statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
      try (ResultSet rs = statement.executeQuery("SELECT 1")) {
        rs.next();
      }
      return null;
    } catch (SQLException e) {
      discard(e);
      return String.valueOf(e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public @Nullable Failure lastFailure() {
    return failure;
  }

  /** Closes the connection after a failure; the next use opens another. With the lock held. */
  private void discard(Exception failure) {
    if (current != null) {
      closeQuietly(current, failure);
      current = null;
    }
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static void closeQuietly(Connection connection, Exception failure) {
    try {
      connection.close();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      if (current != null) {
        Connection connection = current;
        current = null;
        try {
          connection.close();
        } catch (SQLException e) {
          throw new IllegalStateException("closing " + url + " failed: " + e.getMessage(), e);
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
