package io.agentmeter.processor.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One role's PostgreSQL connections, from a pool of their own (HikariCP): a connection that
 * failed (the server restarted, the network dropped) is evicted and replaced, a new one is opened
 * when the server is back, and a caller waits at most {@link #WAIT} for one, so a receiver answers
 * 503 and the API 503 while the server is away instead of waiting past the sender's timeout.
 */
final class PooledConnections implements Connections {

  /** How long a caller waits for a connection before the attempt fails. */
  static final Duration WAIT = Duration.ofSeconds(2);

  private final HikariDataSource pool;
  private final Clock clock;
  private volatile @Nullable Failure failure;

  private PooledConnections(HikariDataSource pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /**
   * A pool of at most {@code size} connections to {@code url}, opening one now (so a server that
   * cannot be reached fails the ledger's opening).
   *
   * @param transactions whether its connections run transactions (else each statement commits)
   */
  static PooledConnections open(String url, String name, int size, boolean transactions,
      Clock clock) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("agentmeter-" + name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setAutoCommit(!transactions);
    config.setConnectionTimeout(WAIT.toMillis());
    config.setValidationTimeout(Math.min(1_000, WAIT.toMillis()));
    // a pool keeps no statistics or JMX beans of its own: /metrics is the service's
    config.setRegisterMbeans(false);
    return new PooledConnections(new HikariDataSource(config), clock);
  }

  @Override
  public <T> T transaction(Work<T> work) throws SQLException {
    try (Connection connection = pool.getConnection()) {
      try {
        T result = work.run(connection);
        connection.commit();
        failure = null;
        return result;
      } catch (SQLException | RuntimeException e) {
        JdbcLedger.rollbackQuietly(connection);
        throw e;
      }
    } catch (SQLException | RuntimeException e) {
      failure = new Failure(String.valueOf(e.getMessage()), clock.millis());
      throw e;
    }
  }

  @Override
  public <T> T read(Work<T> work) throws SQLException {
    try (Connection connection = pool.getConnection()) {
      return work.run(connection);
    }
  }

  @Override
  public @Nullable String problem(Duration timeout) {
    try (Connection connection = pool.getConnection();
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
      try (ResultSet rs = statement.executeQuery("SELECT 1")) {
        rs.next();
      }
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
      return null;
    } catch (SQLException e) {
      return String.valueOf(e.getMessage());
    }
  }

  @Override
  public @Nullable Failure lastFailure() {
    return failure;
  }

  @Override
  public void close() {
    pool.close();
  }
}
