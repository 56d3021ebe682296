package io.agentmeter.processor.ledger;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.store.CostStore;

import io.agentmeter.processor.model.CostQuery;

import io.agentmeter.processor.model.TraceSummary;

import io.agentmeter.processor.model.SpanRow;

import io.agentmeter.processor.model.CostRow;

import io.agentmeter.processor.model.TraceCost;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.SpanCost;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.otlp.SpanConverter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The durable cost ledger: every received export request as it arrived ({@code batches}, pending
 * until its traces are rolled up), and for each trace rolled up its cost lines (a span's first line
 * is its row; each distinct delivery, by trace id, span id and content fingerprint, once, so a
 * re-delivered span can never count twice) and its rollup. The same schema on SQLite (a file, the
 * default) and PostgreSQL.
 *
 * <p>Thread-safe: received requests are written on one connection, rollups on another (so an
 * acknowledgement never waits for a rollup being written, nor the other way round), reads use a
 * third. On SQLite, which has one writer per file, {@code batches} is in a file of its own beside
 * the ledger ({@link #receivedFile}), attached to the other connections as {@code received}.
 */
public final class Ledger implements RequestLog, CostStore {

  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(Ledger.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP =
      new TypeReference<>() {};
  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  private final Dialect dialect;
  private final String description;
  /** Received requests: inserts (each commit durable) and their pending marks. */
  private final Connection ingest;
  /** Rollups: cost lines and trace rows. */
  private final Connection writer;
  private final Connection reader;

  private Ledger(Dialect dialect, String description, Connection ingest, Connection writer,
      Connection reader) {
    this.dialect = dialect;
    this.description = description;
    this.ingest = ingest;
    this.writer = writer;
    this.reader = reader;
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
  public static Ledger open(String location) throws SQLException {
    if (location.startsWith("jdbc:postgresql:")) {
      List<Connection> opened = new ArrayList<>();
      try {
        Connection writer = connect(opened, location, new Properties());
        Migrations.apply(writer, Dialect.POSTGRES);
        writer.setAutoCommit(false);
        Connection reader = connect(opened, location, new Properties());
        Connection ingest = connect(opened, location, new Properties());
        ingest.setAutoCommit(false);
        return new Ledger(Dialect.POSTGRES, redact(location), ingest, writer, reader);
      } catch (SQLException | RuntimeException e) {
        closeAll(opened, e);
        throw e;
      }
    }
    String path = location.startsWith("jdbc:sqlite:") ? location.substring(12) : location;
    Path file = Path.of(path).toAbsolutePath();
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
      return new Ledger(Dialect.SQLITE, file.toString(), ingest, writer, reader);
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

  /**
   * On PostgreSQL: the next transaction on {@code connection} stores only what can be recomputed
   * from stored batches (a rollup, or the clearing of batches' pending marks), so its commit need
   * not wait for the disk: a crash that loses it leaves batches pending, and they are rolled up
   * again on start. PostgreSQL's log is one sequence, so a mark's clearing is never durable
   * without the rollup committed before it, and the next durable commit (an ingest) makes both
   * durable.
   *
   * <p>On SQLite nothing changes: the marks are in another file than the rollups, so there a
   * rollup's commit waits for the disk (off the acknowledgement's path) before its batches' marks
   * are cleared, and every commit is durable ({@code synchronous=FULL}).
   */
  private void derivedDataTransaction(Connection connection) throws SQLException {
    if (dialect != Dialect.POSTGRES) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET LOCAL synchronous_commit TO OFF");
    }
  }

  /** Where the ledger is, for people: the file, or the database URL without credentials. */
  public String description() {
    return description;
  }

  /** Whether this ledger is PostgreSQL. */
  public boolean isPostgres() {
    return dialect == Dialect.POSTGRES;
  }

  /**
   * Stores received export requests in one transaction, durably, before returning: one row per
   * request, pending until every trace in it is rolled up. Re-delivered spans are stored again
   * and counted once when their trace is rolled up.
   *
   * @return each request's spans, carrying the id of the batch they were stored in
   */
  public List<List<IncomingSpan>> insert(List<ReceivedRequest> requests) throws SQLException {
    List<List<IncomingSpan>> stored = new ArrayList<>(requests.size());
    long now = System.currentTimeMillis();
    // compressed before the connection is taken: other requests are stored on it meanwhile
    List<byte[]> bodies = new ArrayList<>(requests.size());
    synchronized (deflater) {
      for (ReceivedRequest request : requests) {
        bodies.add(deflate(request.body()));
      }
    }
    synchronized (ingest) {
      try (PreparedStatement insert = ingest.prepareStatement("INSERT INTO batches"
          + " (received_at_ms, span_count, pending, body, encoding) VALUES (?, ?, ?, ?, 'deflate')"
          + " RETURNING batch_id")) {
        for (int r = 0; r < requests.size(); r++) {
          ReceivedRequest request = requests.get(r);
          insert.setLong(1, now);
          insert.setInt(2, request.spans().size());
          insert.setInt(3, request.spans().isEmpty() ? 0 : 1);
          insert.setBytes(4, bodies.get(r));
          long id;
          try (ResultSet rs = insert.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
          List<IncomingSpan> spans = new ArrayList<>(request.spans().size());
          for (IncomingSpan span : request.spans()) {
            spans.add(span.inBatch(id));
          }
          stored.add(spans);
        }
        ingest.commit();
      } catch (SQLException e) {
        rollbackQuietly(ingest);
        throw e;
      }
    }
    return stored;
  }

  /** Stores one export request; see {@link #insert(List)}. */
  public List<IncomingSpan> insert(byte[] body, List<IncomingSpan> spans) throws SQLException {
    return insert(List.of(new ReceivedRequest(body, spans))).get(0);
  }

  /**
   * Every stored span of a trace, each distinct delivery once: the rolled-up ones and those in
   * batches not rolled up yet.
   */
  public List<IncomingSpan> spansOf(String traceId) throws SQLException {
    Map<IncomingSpan.DeliveryKey, IncomingSpan> distinct = new LinkedHashMap<>();
    for (IncomingSpan span : rolledUpSpansOf(traceId)) {
      distinct.putIfAbsent(span.deliveryKey(), span);
    }
    for (IncomingSpan span : pendingSpans()) {
      if (span.record().traceId().equals(traceId)) {
        distinct.putIfAbsent(span.deliveryKey(), span);
      }
    }
    return new ArrayList<>(distinct.values());
  }

  /**
   * The spans of a trace as its stored rollup counted them (each distinct delivery once), read back
   * from their batches; empty for a trace not rolled up yet.
   */
  public List<IncomingSpan> rolledUpSpansOf(String traceId) throws SQLException {
    List<Long> batches = new ArrayList<>();
    Map<IncomingSpan.DeliveryKey, Long> wanted = new HashMap<>();
    synchronized (reader) {
      try (PreparedStatement select = reader.prepareStatement("SELECT c.span_id, c.fingerprint,"
          + " c.batch_id FROM traces t JOIN cost_lines c"
          + " ON c.line_id BETWEEN t.first_line_id AND t.last_line_id"
          + " WHERE t.trace_id = ? AND c.line = 0")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            long batch = rs.getLong(3);
            wanted.put(new IncomingSpan.DeliveryKey(rs.getString(1), rs.getString(2)), batch);
            if (!batches.contains(batch)) {
              batches.add(batch);
            }
          }
        }
      }
    }
    List<IncomingSpan> result = new ArrayList<>(wanted.size());
    for (long batch : batches) {
      List<IncomingSpan> unmatched = new ArrayList<>();
      for (IncomingSpan span : batch(batch)) {
        if (!span.record().traceId().equals(traceId)) {
          continue;
        }
        if (wanted.remove(span.deliveryKey()) != null) {
          result.add(span);
        } else {
          unmatched.add(span);
        }
      }
      for (IncomingSpan span : unmatched) {
        // Costed with a fingerprint made otherwise (an earlier version took it over the span as
        // re-encoded, this one over its bytes as received; they differ for a sender that does not
        // encode canonically): the same delivery, found by span id and batch, keeps the stored one.
        for (var it = wanted.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry<IncomingSpan.DeliveryKey, Long> want = it.next();
          if (want.getValue() == batch && want.getKey().spanId().equals(span.record().spanId())) {
            it.remove();
            result.add(new IncomingSpan(span.record(), want.getKey().fingerprint(), span.payload(),
                batch));
            break;
          }
        }
      }
    }
    return result;
  }

  /** Which of {@code traceIds} have a stored rollup (one query per 500 ids). */
  private java.util.Set<String> selectRolledUp(List<String> traceIds) throws SQLException {
    java.util.Set<String> found = new java.util.HashSet<>();
    for (int from = 0; from < traceIds.size(); from += 500) {
      List<String> chunk = traceIds.subList(from, Math.min(traceIds.size(), from + 500));
      StringBuilder sql = new StringBuilder("SELECT trace_id FROM traces WHERE trace_id IN (");
      for (int i = 0; i < chunk.size(); i++) {
        sql.append(i == 0 ? "?" : ",?");
      }
      synchronized (reader) {
        try (PreparedStatement select = reader.prepareStatement(sql.append(')').toString())) {
          for (int i = 0; i < chunk.size(); i++) {
            select.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
              found.add(rs.getString(1));
            }
          }
        }
      }
    }
    return found;
  }

  /** The accepted spans of one stored batch. */
  private List<IncomingSpan> batch(long batchId) throws SQLException {
    byte[] body;
    synchronized (reader) {
      try (PreparedStatement select =
          reader.prepareStatement("SELECT body, encoding FROM batches WHERE batch_id = ?")) {
        select.setLong(1, batchId);
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            return List.of();
          }
          body = inflate(batchId, rs.getBytes(1), rs.getString(2));
        }
      }
    }
    return decode(batchId, body);
  }

  private final java.util.zip.Deflater deflater = new java.util.zip.Deflater(1);
  private byte[] deflateBuffer = new byte[64 * 1024];

  /**
   * A request body as stored: deflated at the fastest level (OTLP repeats its keys and values, so
   * this cuts the bytes written several times over for well under a microsecond per span).
   * Called with the deflater held.
   */
  private byte[] deflate(byte[] body) {
    deflater.reset();
    deflater.setInput(body);
    deflater.finish();
    int size = 0;
    while (!deflater.finished()) {
      if (size == deflateBuffer.length) {
        deflateBuffer = java.util.Arrays.copyOf(deflateBuffer, deflateBuffer.length * 2);
      }
      size += deflater.deflate(deflateBuffer, size, deflateBuffer.length - size);
    }
    return java.util.Arrays.copyOf(deflateBuffer, size);
  }

  private static byte[] inflate(long batchId, byte[] stored, String encoding) throws SQLException {
    if ("identity".equals(encoding)) {
      return stored;
    }
    if (!"deflate".equals(encoding)) {
      throw new SQLException("stored batch " + batchId + " has an unknown encoding '" + encoding + "'");
    }
    try (java.util.zip.InflaterInputStream in =
        new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(stored))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new SQLException("stored batch " + batchId + " cannot be inflated", e);
    }
  }

  private static List<IncomingSpan> decode(long batchId, byte[] body) throws SQLException {
    try {
      List<IncomingSpan> spans = SpanConverter.convert(body).spans();
      List<IncomingSpan> result = new ArrayList<>(spans.size());
      for (IncomingSpan span : spans) {
        result.add(span.inBatch(batchId));
      }
      return result;
    } catch (io.agentmeter.processor.otlp.DecodeException e) {
      throw new SQLException("stored batch " + batchId + " cannot be decoded", e);
    }
  }

  /** The spans of every batch whose traces are not all rolled up yet (after a crash: to finish). */
  public List<IncomingSpan> pendingSpans() throws SQLException {
    List<IncomingSpan> result = new ArrayList<>();
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery(
              "SELECT batch_id, body, encoding FROM batches WHERE pending = 1 ORDER BY batch_id")) {
        while (rs.next()) {
          long id = rs.getLong(1);
          result.addAll(decode(id, inflate(id, rs.getBytes(2), rs.getString(3))));
        }
      }
    }
    return result;
  }

  /** Every rolled-up trace. */
  public List<String> allTraceIds() throws SQLException {
    List<String> ids = new ArrayList<>();
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery("SELECT trace_id FROM traces ORDER BY trace_id")) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    }
    return ids;
  }

  /**
   * Records a trace's rollup: each span's status and cost, the cost lines queries sum, and the
   * trace totals, in one transaction, replacing what an earlier rollup of the trace stored.
   */
  public void store(String traceId, RollupResult result, List<IncomingSpan> spans, boolean complete)
      throws SQLException {
    store(List.of(new Rollup(traceId, result, spans, complete)), List.of());
  }

  /**
   * Stores several traces' rollups in one transaction (one disk sync for all), then marks the
   * batches whose traces are now all rolled up as no longer pending (in a transaction of the
   * received requests' connection; if that fails they stay pending, see {@link #markDone}). The
   * rows are computed before the writer is taken. Throws only when the rollups were not stored.
   */
  public void store(List<Rollup> rollups, java.util.Collection<Long> doneBatches)
      throws SQLException {
    Map<String, Rollup> latest = new LinkedHashMap<>();
    for (Rollup rollup : rollups) {
      latest.put(rollup.traceId(), rollup);
    }
    long now = System.currentTimeMillis();
    List<TraceRows> rows = new ArrayList<>(latest.size());
    for (Rollup item : latest.values()) {
      rows.add(rows(item, now));
    }
    storeRows(rows, doneBatches);
  }

  private void storeRows(List<TraceRows> rows, java.util.Collection<Long> doneBatches)
      throws SQLException {
    if (!rows.isEmpty()) {
      writeRows(rows);
    }
    markDone(doneBatches);
  }

  /** Writes rollups' rows in one transaction, replacing what earlier rollups of their traces stored. */
  private void writeRows(List<TraceRows> rows) throws SQLException {
    synchronized (writer) {
      try (PreparedStatement earlier = writer.prepareStatement(
              "SELECT first_line_id, last_line_id FROM traces WHERE trace_id = ?");
          PreparedStatement deleteLines = writer.prepareStatement(
              "DELETE FROM cost_lines WHERE line_id BETWEEN ? AND ?");
          PreparedStatement line = writer.prepareStatement(
              "INSERT INTO cost_lines (line_id, trace_id, span_id, fingerprint, line, start_nanos,"
                  + " day, agent, task, client, provider, model, status, reason, cost, span_cost,"
                  + " currency, price_ref, input_tokens, output_tokens, retry, shared,"
                  + " parent_span_id, name, end_nanos, batch_id)"
                  + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
          PreparedStatement traceNew = writer.prepareStatement(
              "INSERT INTO traces (" + TRACE_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                  + " ON CONFLICT (trace_id) DO NOTHING");
          PreparedStatement trace = writer.prepareStatement(
              "INSERT INTO traces (" + TRACE_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                  + " ON CONFLICT (trace_id) DO UPDATE SET currency = excluded.currency,"
                  + " total = excluded.total, total_rank = excluded.total_rank,"
                  + " complete = excluded.complete, root_span_id = excluded.root_span_id,"
                  + " root_name = excluded.root_name, span_count = excluded.span_count,"
                  + " unpriced_spans = excluded.unpriced_spans,"
                  + " shared_total = excluded.shared_total, retry_total = excluded.retry_total,"
                  + " start_nanos = excluded.start_nanos, by_agent = excluded.by_agent,"
                  + " by_model = excluded.by_model, by_client = excluded.by_client,"
                  + " clients = excluded.clients, updated_at_ms = excluded.updated_at_ms,"
                  + " first_line_id = excluded.first_line_id, last_line_id = excluded.last_line_id")) {
        derivedDataTransaction(writer);
        long next = lastLineId() + 1;
        List<TraceRows> added = new ArrayList<>();
        for (TraceRows item : rows) {
          // A trace rolled up before: its lines are replaced as a whole (never added to).
          if (item.amends()) {
            earlier.setString(1, item.traceId());
            try (ResultSet rs = earlier.executeQuery()) {
              if (rs.next() && rs.getObject(1) != null) {
                deleteLines.setLong(1, rs.getLong(1));
                deleteLines.setLong(2, rs.getLong(2));
                deleteLines.executeUpdate();
              }
            }
          }
          long first = next;
          for (Object[] values : item.lines()) {
            line.setLong(1, next++);
            bind(line, values, 1);
            line.addBatch();
          }
          Object[] values = item.trace();
          values[values.length - 2] = first;
          values[values.length - 1] = next - 1;
          if (item.amends()) {
            bind(trace, values, 0);
            trace.addBatch();
          } else {
            bind(traceNew, values, 0);
            traceNew.addBatch();
            added.add(item);
          }
        }
        line.executeBatch();
        trace.executeBatch();
        int[] inserted = traceNew.executeBatch();
        for (int i = 0; i < added.size(); i++) {
          if (inserted[i] != 1) {
            // Stored meanwhile by another writer on this ledger (another service, a replay): its
            // lines are replaced by these, as for any trace rolled up again, never added to.
            replaceEarlier(earlier, deleteLines, trace, added.get(i));
          }
        }
        writer.commit();
      } catch (SQLException e) {
        rollbackQuietly(writer);
        throw e;
      }
    }
  }

  /**
   * Clears the pending marks of batches whose traces are all rolled up and stored. The rollups are
   * committed already, so a failure here is logged, not thrown: the batches stay pending and are
   * rolled up again on the next start, which stores the same rollups.
   *
   * <p>On SQLite this connection stays durable ({@code synchronous=FULL}) throughout, as every
   * acknowledgement depends on it: switching it for this transaction would risk leaving it
   * switched.
   */
  @Override
  public void markDone(java.util.Collection<Long> doneBatches) {
    if (doneBatches.isEmpty()) {
      return;
    }
    synchronized (ingest) {
      try (PreparedStatement done =
          ingest.prepareStatement("UPDATE batches SET pending = 0 WHERE batch_id = ?")) {
        derivedDataTransaction(ingest);
        for (long batch : doneBatches) {
          done.setLong(1, batch);
          done.addBatch();
        }
        done.executeBatch();
        ingest.commit();
      } catch (SQLException e) {
        rollbackQuietly(ingest);
        LOG.log(java.util.logging.Level.WARNING, "the rollups of " + doneBatches.size() + " received requests are"
            + " stored, but the requests could not be marked done; they stay pending and are"
            + " rolled up again on the next start", e);
      }
    }
  }

  private static final String TRACE_COLUMNS = "trace_id, currency, total, total_rank, complete,"
      + " root_span_id, root_name, span_count, unpriced_spans, shared_total, retry_total,"
      + " start_nanos, by_agent, by_model, by_client, clients, updated_at_ms, first_line_id,"
      + " last_line_id";

  /** Deletes the lines another rollup of the trace stored, then stores this one's trace row. */
  private static void replaceEarlier(PreparedStatement earlier, PreparedStatement deleteLines,
      PreparedStatement upsert, TraceRows item) throws SQLException {
    Object[] values = item.trace();
    long first = (Long) values[values.length - 2];
    long last = (Long) values[values.length - 1];
    earlier.setString(1, item.traceId());
    try (ResultSet rs = earlier.executeQuery()) {
      if (rs.next() && rs.getObject(1) != null
          && (rs.getLong(1) != first || rs.getLong(2) != last)) {
        deleteLines.setLong(1, rs.getLong(1));
        deleteLines.setLong(2, rs.getLong(2));
        deleteLines.executeUpdate();
      }
    }
    bind(upsert, values, 0);
    upsert.executeUpdate();
  }

  /** A trace's rows, every column value ready to bind. */
  private record TraceRows(String traceId, boolean amends, List<Object[]> lines, Object[] trace) {}

  /** The SQL type of a {@code null} column value, for binding. */
  private enum NullOf {
    TEXT(Types.VARCHAR),
    NUMBER(Types.NUMERIC);

    final int sqlType;

    NullOf(int sqlType) {
      this.sqlType = sqlType;
    }
  }

  private TraceRows rows(Rollup item, long now) {
    String traceId = item.traceId();
    RollupResult result = item.result();
    Map<String, ArrayDeque<IncomingSpan>> delivered = new HashMap<>();
    for (IncomingSpan span : item.spans()) {
      delivered.computeIfAbsent(span.record().spanId(), k -> new ArrayDeque<>(1)).add(span);
    }
    long start = Long.MAX_VALUE;
    String rootName = null;
    String rootId = result.roots().get(traceId);
    java.util.TreeSet<String> clients = new java.util.TreeSet<>();
    int distinct = 0;
    List<Object[]> lines = new ArrayList<>(result.spans().size());
    long lastDay = Long.MIN_VALUE;
    String dayText = null;
    for (SpanOutcome outcome : result.spans()) {
      start = Math.min(start, outcome.startEpochNanos());
      if (outcome.spanId().equals(rootId)) {
        rootName = outcome.name();
      }
      if (outcome.status() != CostStatus.DUPLICATE) {
        distinct++;
      }
      IncomingSpan span = take(delivered.get(outcome.spanId()), outcome.startEpochNanos());
      if (span == null) {
        continue;
      }
      String fingerprint = span.fingerprint();
      boolean billable = outcome.status() == CostStatus.PRICED
          || outcome.status() == CostStatus.UNPRICED;
      if (billable) {
        clients.add(outcome.client());
      }
      long day = Math.floorDiv(outcome.startEpochNanos(), NANOS_PER_DAY);
      if (day != lastDay) {
        dayText = LocalDate.ofEpochDay(day).toString();
        lastDay = day;
      }
      Map<String, BigDecimal> shares = outcome.agentShares();
      if (shares.isEmpty()) {
        shares = new LinkedHashMap<>();
        shares.put(outcome.agent(), null);
      }
      SpanCost price = outcome.price();
      int n = 0;
      for (Map.Entry<String, BigDecimal> share : shares.entrySet()) {
        lines.add(new Object[] {
            traceId, outcome.spanId(), fingerprint, n, outcome.startEpochNanos(), dayText,
            share.getKey(), outcome.task(), outcome.client(), text(outcome.provider()),
            text(billable ? modelKey(outcome) : outcome.model()), outcome.status().value(),
            text(outcome.reason()), decimal(share.getValue()), decimal(n == 0 ? outcome.cost() : null),
            result.currency(), text(price == null ? null : price.priceRef()),
            // tokens once per span, on its first line
            n == 0 ? outcome.inputTokens() : 0L, n == 0 ? outcome.outputTokens() : 0L,
            outcome.retry() ? 1 : 0, outcome.sharedResource() != null ? 1 : 0,
            text(outcome.parentSpanId()), outcome.name(), span.record().endEpochNanos(),
            span.batchId()});
        n++;
      }
    }
    Object[] trace = {
        traceId, result.currency(), decimal(result.total()), result.total().doubleValue(),
        item.complete() ? 1 : 0, text(rootId), text(rootName), distinct, result.unpricedSpans(),
        decimal(result.sharedTotal()), decimal(result.retryTotal()), start == Long.MAX_VALUE ? 0L : start,
        json(result.byAgent()), json(result.byModel()), json(result.byClient()),
        "," + String.join(",", clients) + ",", now, NullOf.NUMBER, NullOf.NUMBER};
    return new TraceRows(traceId, item.amends(), lines, trace);
  }

  private static Object text(@Nullable String value) {
    return value == null ? NullOf.TEXT : value;
  }

  /** A decimal as this dialect stores it: text on SQLite, NUMERIC on PostgreSQL. */
  private Object decimal(@Nullable BigDecimal value) {
    if (value == null) {
      return dialect == Dialect.SQLITE ? NullOf.TEXT : NullOf.NUMBER;
    }
    return dialect == Dialect.SQLITE ? value.toPlainString() : value;
  }

  /** The highest line number stored; read inside the writing transaction. */
  private long lastLineId() throws SQLException {
    if (dialect == Dialect.POSTGRES) {
      try (Statement statement = writer.createStatement()) {
        // numbers are taken by one writer at a time, even with several services on one database
        statement.execute("LOCK TABLE cost_lines IN SHARE ROW EXCLUSIVE MODE");
      }
    }
    try (Statement statement = writer.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COALESCE(MAX(line_id), 0) FROM cost_lines")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void bind(PreparedStatement statement, Object[] values, int offset)
      throws SQLException {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      int index = i + 1 + offset;
      if (v instanceof String text) {
        statement.setString(index, text);
      } else if (v instanceof Long number) {
        statement.setLong(index, number);
      } else if (v instanceof Integer number) {
        statement.setInt(index, number);
      } else if (v instanceof Double number) {
        statement.setDouble(index, number);
      } else if (v instanceof BigDecimal number) {
        statement.setBigDecimal(index, number);
      } else if (v instanceof NullOf none) {
        statement.setNull(index, none.sqlType);
      } else {
        throw new SQLException("column " + index + " has a value of an unexpected type: " + v);
      }
    }
  }

  /** A stored trace with its spans, or empty. */
  private Optional<TraceCost> selectTrace(String traceId) throws SQLException {
    synchronized (reader) {
      TraceCost found;
      try (PreparedStatement select = reader.prepareStatement(
          "SELECT currency, complete, total, by_agent, by_model, by_client, shared_total,"
              + " retry_total, unpriced_spans FROM traces WHERE trace_id = ?")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          found = new TraceCost(traceId, rs.getString(1), rs.getInt(2) == 1, decimal(rs, 3),
              decimals(rs.getString(4)), decimals(rs.getString(5)), decimals(rs.getString(6)),
              decimal(rs, 7), decimal(rs, 8), rs.getInt(9), List.of());
        }
      }
      List<SpanRow> spans = new ArrayList<>();
      try (PreparedStatement select = reader.prepareStatement(
          "SELECT c.span_id, c.parent_span_id, c.name, c.start_nanos, c.agent, c.model, c.status,"
              + " c.reason, c.span_cost FROM traces t JOIN cost_lines c"
              + " ON c.line_id BETWEEN t.first_line_id AND t.last_line_id"
              + " WHERE t.trace_id = ? AND c.line = 0 ORDER BY c.start_nanos, c.span_id")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            spans.add(new SpanRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                decimal(rs, 9)));
          }
        }
      }
      return Optional.of(new TraceCost(found.traceId(), found.currency(), found.complete(),
          found.total(), found.byAgent(), found.byModel(), found.byClient(), found.sharedTotal(),
          found.retryTotal(), found.unpricedSpans(), spans));
    }
  }

  /** The clients billed in a trace (empty for an unknown trace). */
  private List<String> selectClientsOf(String traceId) throws SQLException {
    synchronized (reader) {
      try (PreparedStatement select =
          reader.prepareStatement("SELECT clients FROM traces WHERE trace_id = ?")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            return List.of();
          }
          List<String> clients = new ArrayList<>();
          for (String c : rs.getString(1).split(",")) {
            if (!c.isEmpty()) {
              clients.add(c);
            }
          }
          return clients;
        }
      }
    }
  }

  /**
   * Cost grouped by one dimension, summed exactly, most expensive first. The currency is the one
   * the rows were priced in (a ledger holds one reporting currency).
   */
  private List<CostRow> selectCosts(CostQuery query) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT ").append(column(query.groupBy()))
        .append(", status, cost, input_tokens, output_tokens, line FROM cost_lines"
            + " WHERE status IN ('priced', 'unpriced') AND start_nanos >= ? AND start_nanos < ?");
    List<String> params = new ArrayList<>();
    filter(sql, params, "agent", query.agent());
    filter(sql, params, "client", query.client());
    filter(sql, params, "task", query.task());
    filter(sql, params, "model", query.model());
    Map<String, long[]> counts = new HashMap<>();
    Map<String, BigDecimal> sums = new HashMap<>();
    synchronized (reader) {
      try (PreparedStatement select = reader.prepareStatement(sql.toString())) {
        select.setLong(1, nanos(query.from()));
        select.setLong(2, nanos(query.to()));
        for (int i = 0; i < params.size(); i++) {
          select.setString(3 + i, params.get(i));
        }
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            String key = rs.getString(1);
            key = key == null ? "unknown" : key;
            long[] c = counts.computeIfAbsent(key, k -> new long[4]);
            BigDecimal cost = decimal(rs, 3);
            if (rs.getInt(6) == 0) {
              c[0]++;
              if ("unpriced".equals(rs.getString(2))) {
                c[1]++;
              }
            }
            c[2] += rs.getLong(4);
            c[3] += rs.getLong(5);
            sums.merge(key, cost == null ? BigDecimal.ZERO : cost, BigDecimal::add);
          }
        }
      }
    }
    List<CostRow> rows = new ArrayList<>(counts.size());
    counts.forEach((key, c) -> rows.add(
        new CostRow(key, sums.get(key).stripTrailingZeros(), c[0], c[1], c[2], c[3])));
    rows.sort(Comparator.comparing(CostRow::cost).reversed().thenComparing(CostRow::key));
    return rows;
  }

  private static String column(CostQuery.GroupBy groupBy) {
    return groupBy == CostQuery.GroupBy.TRACE ? "trace_id" : groupBy.value();
  }

  /** The most expensive traces that started in [from, to), optionally only one client's. */
  private List<TraceSummary> selectTopTraces(Instant from, Instant to, int limit,
      @Nullable String client) throws SQLException {
    String sql = "SELECT trace_id, root_name, start_nanos, total, currency, span_count,"
        + " unpriced_spans, complete FROM traces WHERE start_nanos >= ? AND start_nanos < ?"
        + (client == null ? "" : " AND clients = ?")
        + " ORDER BY total_rank DESC, trace_id LIMIT ?";
    List<TraceSummary> result = new ArrayList<>();
    synchronized (reader) {
      try (PreparedStatement select = reader.prepareStatement(sql)) {
        int i = 1;
        select.setLong(i++, nanos(from));
        select.setLong(i++, nanos(to));
        if (client != null) {
          select.setString(i++, "," + client + ",");
        }
        select.setInt(i, limit);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            result.add(new TraceSummary(rs.getString(1),
                rs.getString(2) == null ? "" : rs.getString(2), rs.getLong(3), decimal(rs, 4),
                rs.getString(5), rs.getInt(6), rs.getInt(7), rs.getInt(8) == 1));
          }
        }
      }
    }
    return result;
  }

  /**
   * How many spans are stored, each distinct delivery once: the rolled-up ones, plus those in
   * pending batches that no rollup counted yet. Reads every pending batch; for tests and tools.
   */
  public long storedSpanCount() throws SQLException {
    long rolledUp;
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM cost_lines WHERE line = 0")) {
        rs.next();
        rolledUp = rs.getLong(1);
      }
    }
    java.util.Set<List<Object>> seen = new java.util.HashSet<>();
    long pending = 0;
    for (IncomingSpan span : pendingSpans()) {
      String trace = span.record().traceId();
      if (seen.add(List.of(trace, span.deliveryKey())) && !rolledUp(span)) {
        pending++;
      }
    }
    return rolledUp + pending;
  }

  private boolean rolledUp(IncomingSpan span) throws SQLException {
    synchronized (reader) {
      try (PreparedStatement select = reader.prepareStatement("SELECT 1 FROM traces t"
          + " JOIN cost_lines c ON c.line_id BETWEEN t.first_line_id AND t.last_line_id"
          + " WHERE t.trace_id = ? AND c.span_id = ? AND c.fingerprint = ? AND c.line = 0")) {
        select.setString(1, span.record().traceId());
        select.setString(2, span.record().spanId());
        select.setString(3, span.fingerprint());
        try (ResultSet rs = select.executeQuery()) {
          return rs.next();
        }
      }
    }
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

  // ---- the stage interfaces (RequestLog, CostStore) ----

  @Override
  public List<List<IncomingSpan>> append(List<ReceivedRequest> requests) throws StorageException {
    try {
      return insert(requests);
    } catch (SQLException e) {
      throw new StorageException("storing " + requests.size() + " received requests failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public List<IncomingSpan> pending() throws StorageException {
    try {
      return pendingSpans();
    } catch (SQLException e) {
      throw new StorageException("reading pending requests failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<IncomingSpan> request(long id) throws StorageException {
    try {
      return batch(id);
    } catch (SQLException e) {
      throw new StorageException("reading stored request " + id + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void write(java.util.Collection<Rollup> rollups) throws StorageException {
    try {
      store(new ArrayList<>(rollups), List.of());
    } catch (SQLException e) {
      throw new StorageException("storing " + rollups.size() + " rollups failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public java.util.Set<String> rolledUp(java.util.Collection<String> traceIds)
      throws StorageException {
    try {
      return selectRolledUp(new ArrayList<>(traceIds));
    } catch (SQLException e) {
      throw new StorageException("reading stored traces failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Map<IncomingSpan.DeliveryKey, Long> deliveries(String traceId) throws StorageException {
    Map<IncomingSpan.DeliveryKey, Long> found = new LinkedHashMap<>();
    synchronized (reader) {
      try (PreparedStatement select = reader.prepareStatement("SELECT c.span_id, c.fingerprint,"
          + " c.batch_id FROM traces t JOIN cost_lines c"
          + " ON c.line_id BETWEEN t.first_line_id AND t.last_line_id"
          + " WHERE t.trace_id = ? AND c.line = 0 ORDER BY c.line_id")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            found.put(new IncomingSpan.DeliveryKey(rs.getString(1), rs.getString(2)),
                rs.getLong(3));
          }
        }
      } catch (SQLException e) {
        throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
      }
    }
    return found;
  }

  @Override
  public List<String> traceIds() throws StorageException {
    try {
      return allTraceIds();
    } catch (SQLException e) {
      throw new StorageException("reading stored traces failed: " + e.getMessage(), e);
    }
  }

  @Override
  public long spanCount() throws StorageException {
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM cost_lines WHERE line = 0")) {
        rs.next();
        return rs.getLong(1);
      } catch (SQLException e) {
        throw new StorageException("counting stored spans failed: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public Optional<TraceCost> trace(String traceId) throws StorageException {
    try {
      return selectTrace(traceId);
    } catch (SQLException e) {
      throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> clientsOf(String traceId) throws StorageException {
    try {
      return selectClientsOf(traceId);
    } catch (SQLException e) {
      throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<CostRow> costs(CostQuery query) throws StorageException {
    try {
      return selectCosts(query);
    } catch (SQLException e) {
      throw new StorageException("the cost query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<TraceSummary> topTraces(Instant from, Instant to, int limit, @Nullable String client)
      throws StorageException {
    try {
      return selectTopTraces(from, to, limit, client);
    } catch (SQLException e) {
      throw new StorageException("the trace query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
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
      LOG.log(java.util.logging.Level.WARNING, "closing the ledger failed", failure);
    }
  }

  private static void filter(StringBuilder sql, List<String> params, String column,
      @Nullable String value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      params.add(value);
    }
  }

  private static String modelKey(SpanOutcome outcome) {
    if (outcome.model() != null) {
      return outcome.model();
    }
    return "unknown";
  }

  private static @Nullable BigDecimal decimal(ResultSet rs, int index) throws SQLException {
    String text = rs.getString(index);
    return text == null ? null : new BigDecimal(text).stripTrailingZeros();
  }

  private static String json(Map<String, BigDecimal> map) {
    Map<String, String> text = new LinkedHashMap<>();
    map.forEach((k, v) -> text.put(k, v.toPlainString()));
    try {
      return JSON.writeValueAsString(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, BigDecimal> decimals(String json) {
    try {
      Map<String, BigDecimal> result = new LinkedHashMap<>();
      JSON.readValue(json, STRING_MAP).forEach((k, v) -> result.put(k, new BigDecimal(v)));
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long nanos(Instant instant) {
    if (instant.getEpochSecond() >= Long.MAX_VALUE / 1_000_000_000L) {
      return Long.MAX_VALUE;
    }
    if (instant.getEpochSecond() <= 0) {
      return 0;
    }
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  /** The first delivery in {@code queue} (one span id's) that started at {@code start}, removed. */
  private static @Nullable IncomingSpan take(@Nullable ArrayDeque<IncomingSpan> queue, long start) {
    if (queue == null) {
      return null;
    }
    for (java.util.Iterator<IncomingSpan> it = queue.iterator(); it.hasNext(); ) {
      IncomingSpan span = it.next();
      if (span.record().startEpochNanos() == start) {
        it.remove();
        return span;
      }
    }
    return null;
  }

  private static void rollbackQuietly(Connection connection) {
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
