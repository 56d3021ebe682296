package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.otlp.DecodeException;
import io.agentmeter.processor.otlp.SpanConverter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.Deflater;
import java.util.zip.InflaterInputStream;

/**
 * The request log in the ledger's {@code batches} table: a row per request, its body deflated,
 * pending until its traces are rolled up. Appends and pending marks go through the ledger's ingest
 * connection (each append's commit durable), reads through its reader.
 */
final class JdbcRequestLog implements RequestLog {

  private static final Logger LOG = Logger.getLogger(JdbcRequestLog.class.getName());

  private final Dialect dialect;
  private final String description;
  private final Connections ingest;
  private final Connections reader;
  private final Clock clock;
  private final Runnable closer;
  /** Guards itself and {@link #deflateBuffer}. */
  private final Deflater deflater = new Deflater(1);
  private byte[] deflateBuffer = new byte[64 * 1024];

  JdbcRequestLog(Dialect dialect, String description, Connections ingest, Connections reader,
      Clock clock, Runnable closer) {
    this.dialect = dialect;
    this.description = description;
    this.ingest = ingest;
    this.reader = reader;
    this.clock = clock;
    this.closer = closer;
  }

  /**
   * Stores received export requests in one transaction, durably, before returning: one row per
   * request, pending until every trace in it is rolled up. Re-delivered spans are stored again
   * and counted once when their trace is rolled up.
   */
  @Override
  public List<List<IncomingSpan>> append(List<ReceivedRequest> requests) throws StorageException {
    try {
      return insert(requests);
    } catch (SQLException e) {
      throw new StorageException("storing " + requests.size() + " received requests failed: "
          + e.getMessage(), e);
    }
  }

  private List<List<IncomingSpan>> insert(List<ReceivedRequest> requests) throws SQLException {
    List<List<IncomingSpan>> stored = new ArrayList<>(requests.size());
    long now = clock.millis();
    // compressed before the connection is taken: other requests are stored on it meanwhile
    List<byte[]> bodies = new ArrayList<>(requests.size());
    synchronized (deflater) {
      for (ReceivedRequest request : requests) {
        bodies.add(deflate(request.body()));
      }
    }
    ingest.transaction(connection -> {
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO batches"
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
      }
      return null;
    });
    return stored;
  }

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
        deflateBuffer = Arrays.copyOf(deflateBuffer, deflateBuffer.length * 2);
      }
      size += deflater.deflate(deflateBuffer, size, deflateBuffer.length - size);
    }
    return Arrays.copyOf(deflateBuffer, size);
  }

  private static byte[] inflate(long batchId, byte[] stored, String encoding) throws SQLException {
    if ("identity".equals(encoding)) {
      return stored;
    }
    if (!"deflate".equals(encoding)) {
      throw new SQLException("stored batch " + batchId + " has an unknown encoding '" + encoding
          + "'");
    }
    try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(stored))) {
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
    } catch (DecodeException e) {
      throw new SQLException("stored batch " + batchId + " cannot be decoded", e);
    }
  }

  /** The spans of every batch whose traces are not all rolled up yet (after a crash: to finish). */
  @Override
  public List<IncomingSpan> pending() throws StorageException {
    List<IncomingSpan> result = new ArrayList<>();
    try {
      reader.read(connection -> {
        try (Statement statement = connection.createStatement();
            ResultSet rs = statement.executeQuery("SELECT batch_id, body, encoding FROM batches"
                + " WHERE pending = 1 ORDER BY batch_id")) {
          while (rs.next()) {
            long id = rs.getLong(1);
            result.addAll(decode(id, inflate(id, rs.getBytes(2), rs.getString(3))));
          }
        }
        return null;
      });
    } catch (SQLException e) {
      throw new StorageException("reading pending requests failed: " + e.getMessage(), e);
    }
    return result;
  }

  @Override
  public List<IncomingSpan> request(long id) throws StorageException {
    try {
      byte[] body = reader.read(connection -> {
        try (PreparedStatement select =
            connection.prepareStatement("SELECT body, encoding FROM batches WHERE batch_id = ?")) {
          select.setLong(1, id);
          try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? inflate(id, rs.getBytes(1), rs.getString(2)) : null;
          }
        }
      });
      if (body == null) {
        return List.of();
      }
      return decode(id, body);
    } catch (SQLException e) {
      throw new StorageException("reading stored request " + id + " failed: " + e.getMessage(), e);
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
  public void markDone(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return;
    }
    try {
      ingest.transaction(connection -> {
        try (PreparedStatement done =
            connection.prepareStatement("UPDATE batches SET pending = 0 WHERE batch_id = ?")) {
          dialect.derivedDataTransaction(connection);
          for (long batch : ids) {
            done.setLong(1, batch);
            done.addBatch();
          }
          done.executeBatch();
        }
        return null;
      });
    } catch (SQLException e) {
      LOG.log(Level.WARNING, "the rollups of " + ids.size() + " received requests are stored,"
          + " but the requests could not be marked done; they stay pending and are rolled up"
          + " again on the next start", e);
    }
  }

  @Override
  public String description() {
    return description;
  }

  /** Closes the whole ledger (the log shares its reader with the cost store). */
  @Override
  public void close() {
    closer.run();
  }
}
