package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.store.CostStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The durable cost ledger on SQLite (a file, the default) or PostgreSQL, the same schema on both:
 * its {@link #requestLog()} keeps every received export request as it arrived ({@code batches},
 * pending until its traces are rolled up), its {@link #costStore()} each rolled-up trace's cost
 * lines and totals.
 *
 * <p>Received requests are written on one connection, rollups on another (so an acknowledgement
 * never waits for a rollup being written, nor the other way round), reads use a third. On SQLite,
 * which has one writer per file, {@code batches} is in a file of its own beside the ledger
 * ({@link #receivedFile}), attached to the other connections as {@code received}. Closing the
 * ledger, or either of its stages, closes all three.
 */
public final class JdbcLedger implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(JdbcLedger.class.getName());

  private final Dialect dialect;
  private final String description;
  private final Connection ingest;
  private final Connection writer;
  private final Connection reader;
  private final JdbcRequestLog log;
  private final JdbcCostStore store;
  private boolean closed;

  private JdbcLedger(Dialect dialect, String description, Connection ingest, Connection writer,
      Connection reader) {
    this.dialect = dialect;
    this.description = description;
    this.ingest = ingest;
    this.writer = writer;
    this.reader = reader;
    Clock clock = Clock.systemUTC();
    this.log = new JdbcRequestLog(dialect, description, ingest, reader, clock, this::close);
    this.store = new JdbcCostStore(dialect, description, writer, reader, clock, this::close);
  }

  /**
   * Where a SQLite ledger keeps the requests it received ({@code batches}): beside the ledger's
   * file, with {@code .batches} added to its name. Back the two up (and move them) together.
   */
  public static Path receivedFile(Path ledgerFile) {
    return ledgerFile.resolveSibling(ledgerFile.getFileName() + ".batches");
  }

  /**
   * Opens (creating and migrating as needed) the ledger at {@code location}: a
   * {@code jdbc:postgresql:} URL, or a file path (or {@code jdbc:sqlite:} URL) for SQLite.
   */
  public static JdbcLedger open(String location) throws SQLException {
    if (location.startsWith("jdbc:postgresql:")) {
      return openPostgres(location);
    }
    String path = location.startsWith("jdbc:sqlite:") ? location.substring(12) : location;
    return openSqlite(Path.of(path).toAbsolutePath());
  }

  private static JdbcLedger openPostgres(String url) throws SQLException {
    List<Connection> opened = new ArrayList<>();
    try {
      Connection writer = connect(opened, url, new Properties());
      Migrations.apply(writer, Dialect.POSTGRES);
      writer.setAutoCommit(false);
      Connection reader = connect(opened, url, new Properties());
      Connection ingest = connect(opened, url, new Properties());
      ingest.setAutoCommit(false);
      return new JdbcLedger(Dialect.POSTGRES, redact(url), ingest, writer, reader);
    } catch (SQLException | RuntimeException e) {
      closeAll(opened, e);
      throw e;
    }
  }

  private static JdbcLedger openSqlite(Path file) throws SQLException {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
    } catch (IOException e) {
      throw new SQLException("cannot create the ledger's directory " + file.getParent(), e);
    }
    String url = "jdbc:sqlite:" + file;
    Properties props = new Properties();
    props.setProperty("journal_mode", "WAL");
    // Acknowledged means on disk: a commit is fsynced before the sender hears back.
    props.setProperty("synchronous", "FULL");
    props.setProperty("busy_timeout", "10000");
    Path received = receivedFile(file);
    if (Files.exists(file) && !Files.exists(received)
        && Migrations.version(url) >= Migrations.RECEIVED_APART) {
      throw lostReceived(file, received);
    }
    if (!Files.exists(file) && Files.exists(received)) {
      // a new, empty ledger would be paired with requests whose rollups it does not have
      throw new SQLException("the ledger " + file + " is missing, but the requests it received are"
          + " in " + received + "; restore the ledger from the same backup as that file, or move"
          + " the file away to start an empty ledger");
    }
    List<Connection> opened = new ArrayList<>();
    try {
      // opened first, so the file is created in write-ahead-log mode
      Connection ingest = connect(opened, "jdbc:sqlite:" + received, props);
      Connection writer = connect(opened, url, props);
      attachReceived(writer, received);
      Migrations.apply(writer, Dialect.SQLITE);
      try (Statement statement = writer.createStatement();
          ResultSet rs = statement.executeQuery("SELECT 1 FROM received.sqlite_master"
              + " WHERE type = 'table' AND name = 'batches'")) {
        if (!rs.next()) {
          throw lostReceived(file, received);
        }
      }
      writer.setAutoCommit(false);
      ingest.setAutoCommit(false);
      Connection reader = connect(opened, url, props);
      attachReceived(reader, received);
      return new JdbcLedger(Dialect.SQLITE, file.toString(), ingest, writer, reader);
    } catch (SQLException | RuntimeException e) {
      closeAll(opened, e);
      throw e;
    }
  }

  private static SQLException lostReceived(Path file, Path received) {
    return new SQLException("the ledger " + file + " has lost the file of the requests it"
        + " received, " + received + " (it is kept beside the ledger; restore both from the same"
        + " backup)");
  }

  private static Connection connect(List<Connection> opened, String url, Properties props)
      throws SQLException {
    Connection connection = DriverManager.getConnection(url, props);
    opened.add(connection);
    return connection;
  }

  /** Closes every connection, adding what fails to {@code failure}. */
  private static void closeAll(List<Connection> connections, Exception failure) {
    for (Connection connection : connections) {
      try {
        connection.close();
      } catch (SQLException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Attaches the received-requests file as {@code received}, durable and in write-ahead-log mode
   * as its own connection has it (set, not left to defaults).
   */
  private static void attachReceived(Connection connection, Path received) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("ATTACH DATABASE '" + received.toString().replace("'", "''")
          + "' AS received");
      statement.execute("PRAGMA received.journal_mode = WAL");
      statement.execute("PRAGMA received.synchronous = FULL");
    }
  }

  /** The received requests: appended durably, pending until rolled up. */
  public RequestLog requestLog() {
    return log;
  }

  /** The rolled-up traces: their cost lines and totals, and the queries on them. */
  public CostStore costStore() {
    return store;
  }

  /** Where the ledger is, for people: the file, or the database URL without credentials. */
  public String description() {
    return description;
  }

  /** Whether this ledger is PostgreSQL. */
  public boolean isPostgres() {
    return dialect == Dialect.POSTGRES;
  }

  /** The schema version the ledger is at. */
  public int schemaVersion() throws SQLException {
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM agentmeter_schema")) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Closes the ledger's connections (once; a failure is logged). */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    SQLException failure = null;
    for (Connection connection : List.of(ingest, writer, reader)) {
      synchronized (connection) {
        try {
          connection.close();
        } catch (SQLException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure != null) {
      LOG.log(Level.WARNING, "closing the ledger failed", failure);
    }
  }

  static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the original failure is what the caller needs to see
    }
  }

  private static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }
}
