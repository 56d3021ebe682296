package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.store.CostStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The durable cost ledger on SQLite (a file, the default) or PostgreSQL, the same schema on both:
 * its {@link #requestLog()} keeps every received export request as it arrived ({@code batches},
 * pending until its traces are rolled up), its {@link #costStore()} each rolled-up trace's cost
 * lines and totals.
 *
 * <p>Received requests are written on one connection, rollups on another (so an acknowledgement
 * never waits for a rollup being written, nor the other way round), reads use a third
 * ({@link Connections}: on PostgreSQL each role has a pool that replaces a broken connection and
 * reconnects when the server is back; on SQLite one kept connection each, replaced after a
 * failure). Every write is one transaction, all or nothing whatever fails under it. On SQLite,
 * which has one writer per file, {@code batches} is in a file of its own beside the ledger
 * ({@link #receivedFile}), attached to the other connections as {@code received}, and one process
 * at a time may write the ledger: it holds a lock on a third file beside it ({@link #lockFile})
 * while open; {@link #openReadOnly} reads beside the writer. Closing the ledger, or either of its
 * stages, closes all three.
 */
public final class JdbcLedger implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(JdbcLedger.class.getName());
  /** How long a failed write keeps the ledger not ready when nothing was written since. */
  static final Duration FAILURE_SHOWN = Duration.ofSeconds(10);
  /** SQLite ledgers this process has open for writing (a second channel's close would unlock). */
  private static final Set<Path> LOCKED = ConcurrentHashMap.newKeySet();

  private final Dialect dialect;
  private final String description;
  private final Connections ingest;
  private final Connections writer;
  private final Connections reader;
  private final @Nullable Lock lock;
  private final Clock clock;
  private final JdbcRequestLog log;
  private final JdbcCostStore store;
  private boolean closed;

  /** A SQLite ledger's lock file, held open and locked while the ledger is open for writing. */
  private record Lock(Path file, FileChannel channel) {}

  private JdbcLedger(Dialect dialect, String description, Connections ingest, Connections writer,
      Connections reader, @Nullable Lock lock, Clock clock) {
    this.dialect = dialect;
    this.description = description;
    this.ingest = ingest;
    this.writer = writer;
    this.reader = reader;
    this.lock = lock;
    this.clock = clock;
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
   * The file a SQLite ledger's writer holds locked while it has the ledger open (beside the
   * ledger's file, {@code .lock} added to its name; it is left behind, empty, and never needs
   * removing).
   */
  public static Path lockFile(Path ledgerFile) {
    return ledgerFile.resolveSibling(ledgerFile.getFileName() + ".lock");
  }

  /**
   * Opens (creating and migrating as needed) the ledger at {@code location} for writing: a
   * {@code jdbc:postgresql:} URL, or a file path (or {@code jdbc:sqlite:} URL) for SQLite. A
   * SQLite ledger another process (or this one) has open for writing is refused.
   */
  public static JdbcLedger open(String location) throws SQLException {
    return open(location, false);
  }

  /**
   * Opens the ledger at {@code location} to read it, beside a process that writes it (a SQLite
   * ledger is not locked; a new or older one is created or migrated first, under the lock). Its
   * request log and cost store refuse writes.
   */
  public static JdbcLedger openReadOnly(String location) throws SQLException {
    return open(location, true);
  }

  /**
   * Whether a ledger is at {@code location}, created by an earlier open: a SQLite file (or the
   * file of the requests it received, which opening then explains), or a PostgreSQL database
   * holding the ledger's tables. Nothing is created, and a SQLite file is not opened.
   */
  public static boolean exists(String location) throws SQLException {
    if (location.startsWith("jdbc:postgresql:")) {
      try (Connection connection = DriverManager.getConnection(location);
          Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery(
              "SELECT to_regclass('agentmeter_schema') IS NOT NULL")) {
        return rs.next() && rs.getBoolean(1);
      } catch (SQLException e) {
        throw new SQLException("cannot connect to " + redact(location) + ": " + e.getMessage(), e);
      }
    }
    Path file = sqliteFile(location);
    return Files.exists(file) || Files.exists(receivedFile(file));
  }

  /** Where a ledger is, for people: the SQLite file's absolute path, or the URL without secrets. */
  public static String describe(String location) {
    return location.startsWith("jdbc:postgresql:") ? redact(location)
        : sqliteFile(location).toString();
  }

  private static Path sqliteFile(String location) {
    String path = location.startsWith("jdbc:sqlite:") ? location.substring(12) : location;
    return Path.of(path).toAbsolutePath().normalize();
  }

  private static JdbcLedger open(String location, boolean readOnly) throws SQLException {
    if (location.startsWith("jdbc:postgresql:")) {
      return openPostgres(location, readOnly);
    }
    return openSqlite(sqliteFile(location), readOnly);
  }

  private static JdbcLedger openPostgres(String url, boolean readOnly) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url)) {
      Migrations.apply(connection, Dialect.POSTGRES);
    }
    Clock clock = Clock.systemUTC();
    List<Connections> opened = new ArrayList<>();
    try {
      Connections reader = add(opened, PooledConnections.open(url, "reads", 4, false, clock));
      Connections ingest = readOnly ? new ReadOnly()
          : add(opened, PooledConnections.open(url, "ingest", 1, true, clock));
      Connections writer = readOnly ? new ReadOnly()
          : add(opened, PooledConnections.open(url, "rollups", 1, true, clock));
      return new JdbcLedger(Dialect.POSTGRES, redact(url), ingest, writer, reader, null, clock);
    } catch (RuntimeException e) {
      closeAll(opened, e);
      throw new SQLException("cannot connect to " + redact(url) + ": " + e.getMessage(), e);
    }
  }

  private static Connections add(List<Connections> opened, Connections connections) {
    opened.add(connections);
    return connections;
  }

  private static JdbcLedger openSqlite(Path file, boolean readOnly) throws SQLException {
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
    // a reader beside a writer neither locks nor migrates: the writer has migrated the ledger
    boolean current = Files.exists(file) && Migrations.version(url) == Migrations.latest();
    Lock lock = readOnly && current ? null : lock(file);
    Clock clock = Clock.systemUTC();
    List<Connections> opened = new ArrayList<>();
    try {
      if (Files.exists(file) && !Files.exists(received)
          && Migrations.version(url) >= Migrations.RECEIVED_APART) {
        throw lostReceived(file, received);
      }
      if (!Files.exists(file) && Files.exists(received)) {
        // a new, empty ledger would be paired with requests whose rollups it does not have
        throw new SQLException("the ledger " + file + " is missing, but the requests it received"
            + " are in " + received + "; restore the ledger from the same backup as that file, or"
            + " move the file away to start an empty ledger");
      }
      // opened first, so the file is created in write-ahead-log mode
      SqliteConnection ingest = add(opened,
          SqliteConnection.open("jdbc:sqlite:" + received, props, null, clock));
      SqliteConnection writer = add(opened, SqliteConnection.open(url, props, received, clock));
      if (lock != null) {
        writer.setUp(connection -> {
          Migrations.apply(connection, Dialect.SQLITE);
          return null;
        });
      }
      boolean found = writer.setUp(connection -> {
        try (Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery("SELECT 1 FROM received.sqlite_master"
                + " WHERE type = 'table' AND name = 'batches'")) {
          return rs.next();
        }
      });
      if (!found) {
        throw lostReceived(file, received);
      }
      Connections reader = add(opened, SqliteConnection.open(url, props, received, clock));
      if (readOnly) {
        closeAll(List.of(ingest, writer), null);
        return new JdbcLedger(Dialect.SQLITE, file.toString(), new ReadOnly(), new ReadOnly(),
            reader, lock, clock);
      }
      return new JdbcLedger(Dialect.SQLITE, file.toString(), ingest, writer, reader, lock, clock);
    } catch (SQLException | RuntimeException e) {
      closeAll(opened, e);
      unlock(lock, e);
      throw e;
    }
  }

  private static SqliteConnection add(List<Connections> opened, SqliteConnection connections) {
    opened.add(connections);
    return connections;
  }

  /**
   * Locks the ledger's lock file for this process, or refuses: two processes writing one SQLite
   * ledger wait on each other's writes past the busy timeout, and rollups fail.
   */
  private static Lock lock(Path file) throws SQLException {
    Path lockFile = lockFile(file);
    if (!LOCKED.add(file)) {
      throw inUse(file, "this process");
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (channel.tryLock() == null) {
        throw inUse(file, "another process");
      }
      return new Lock(file, channel);
    } catch (IOException | OverlappingFileLockException | SQLException e) {
      LOCKED.remove(file);
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof SQLException sql) {
        throw sql;
      }
      throw new SQLException("cannot lock the ledger " + file + " (" + lockFile + "): "
          + e.getMessage(), e);
    }
  }

  private static SQLException inUse(Path file, String who) {
    return new SQLException("the ledger " + file + " is open in " + who + " (a serve, replay or"
        + " reprice): one process at a time may write a SQLite ledger. Stop the other one first;"
        + " report only reads and works beside it");
  }

  private static void unlock(@Nullable Lock lock, @Nullable Exception failure) {
    if (lock == null) {
      return;
    }
    try {
      lock.channel().close(); // releases the lock
    } catch (IOException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } else {
        LOG.log(Level.WARNING, "unlocking the ledger " + lock.file() + " failed", e);
      }
    } finally {
      LOCKED.remove(lock.file());
    }
  }

  private static SQLException lostReceived(Path file, Path received) {
    return new SQLException("the ledger " + file + " has lost the file of the requests it"
        + " received, " + received + " (it is kept beside the ledger; restore both from the same"
        + " backup)");
  }

  /** Closes every role's connections, adding what fails to {@code failure} (or logging it). */
  private static void closeAll(List<? extends Connections> connections,
      @Nullable Exception failure) {
    for (Connections connection : connections) {
      try {
        connection.close();
      } catch (RuntimeException e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          LOG.log(Level.WARNING, "closing the ledger failed", e);
        }
      }
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
    return reader.read(connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM agentmeter_schema")) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  /**
   * Why the ledger cannot take writes or answer reads now, or empty: a write that failed in the
   * last {@link #FAILURE_SHOWN} with none succeeding since (a full disk shows only so), or a
   * trivial query on the reads' and the received requests' connections that fails or takes longer
   * than {@code timeout} (each).
   */
  public Optional<String> problem(Duration timeout) {
    long now = clock.millis();
    for (Connections role : List.of(ingest, writer)) {
      Connections.Failure failure = role.lastFailure();
      if (failure != null && now - failure.atMillis() < FAILURE_SHOWN.toMillis()) {
        return Optional.of("the ledger's last " + (role == ingest ? "append of received requests"
            : "rollup write") + " failed " + (now - failure.atMillis()) / 1000 + " s ago: "
            + failure.message());
      }
    }
    String problem = reader.problem(timeout);
    if (problem != null) {
      return Optional.of("the ledger cannot be read: " + problem);
    }
    problem = ingest.problem(timeout);
    if (problem != null) {
      return Optional.of("the ledger cannot be written: " + problem);
    }
    return Optional.empty();
  }

  /** Closes the ledger's connections and releases its lock (once; a failure is logged). */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    closeAll(List.of(ingest, writer, reader), null);
    unlock(lock, null);
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

  /** A role of a ledger opened to read: nothing is written through it. */
  private static final class ReadOnly implements Connections {
    @Override
    public <T> T transaction(Work<T> work) throws SQLException {
      throw new SQLException("the ledger was opened read-only");
    }

    @Override
    public <T> T read(Work<T> work) throws SQLException {
      throw new SQLException("the ledger was opened read-only");
    }

    @Override
    public @Nullable String problem(Duration timeout) {
      return null;
    }

    @Override
    public @Nullable Failure lastFailure() {
      return null;
    }

    @Override
    public void close() {}
  }
}
