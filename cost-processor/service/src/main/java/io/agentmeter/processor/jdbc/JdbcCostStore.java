package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.jdbc.CostRows.Encoded;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import io.agentmeter.processor.store.CostLine;
import io.agentmeter.processor.store.CostLines;
import io.agentmeter.processor.store.CostStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The cost store in the ledger's {@code cost_lines} and {@code traces} tables. A trace's billable
 * lines are numbered consecutively ({@code line_id}) when stored and its {@code traces} row names
 * the range and holds the list of all its spans ({@link SpanList}); a rollup of a trace stored
 * before replaces its lines as a whole. Rollups are written on the
 * ledger's rollup connection, queries answered on its reader ({@link CostReader}).
 */
final class JdbcCostStore implements CostStore {

  private final Dialect dialect;
  private final String description;
  private final Connections writer;
  private final CostRows rows;
  private final CostReader reads;
  private final Clock clock;
  private final Runnable closer;

  JdbcCostStore(Dialect dialect, String description, Connections writer, Connections reader,
      Clock clock, Runnable closer) {
    this.dialect = dialect;
    this.description = description;
    this.writer = writer;
    this.rows = new CostRows(dialect);
    this.reads = new CostReader(reader);
    this.clock = clock;
    this.closer = closer;
  }

  /**
   * Stores several traces' rollups in one transaction (one disk sync for all), each replacing what
   * an earlier rollup of its trace stored (of two rollups of one trace, the later). The rows are
   * made before the writer is taken.
   */
  @Override
  public void write(Collection<Rollup> rollups) throws StorageException {
    if (rollups.isEmpty()) {
      return;
    }
    Map<String, Rollup> latest = new LinkedHashMap<>();
    for (Rollup rollup : rollups) {
      latest.put(rollup.traceId(), rollup);
    }
    long now = clock.millis();
    List<Encoded> encoded = new ArrayList<>(latest.size());
    for (Rollup item : latest.values()) {
      encoded.add(Encoded.of(CostLines.of(item, now)));
    }
    try {
      Patience.retrying(Patience.ROLLUPS, () -> {
        writeRows(encoded);
        return null;
      });
    } catch (SQLException e) {
      throw new StorageException("storing " + rollups.size() + " rollups failed: "
          + e.getMessage(), e);
    }
  }

  /** A trace's rows and the line numbers they were given. */
  private record Placed(Encoded encoded, long first, long last) {}

  private void writeRows(List<Encoded> traces) throws SQLException {
    writer.transaction(connection -> {
      try (PreparedStatement earlier = connection.prepareStatement(
              "SELECT first_line_id, last_line_id FROM traces WHERE trace_id = ?");
          PreparedStatement deleteLines = connection.prepareStatement(
              "DELETE FROM cost_lines WHERE line_id BETWEEN ? AND ?");
          PreparedStatement line = connection.prepareStatement(CostRows.INSERT_LINE);
          PreparedStatement traceNew = connection.prepareStatement(CostRows.INSERT_NEW_TRACE);
          PreparedStatement trace = connection.prepareStatement(CostRows.UPSERT_TRACE)) {
        dialect.derivedDataTransaction(connection);
        long next = lastLineId(connection) + 1;
        List<Placed> added = new ArrayList<>();
        for (Encoded item : traces) {
          CostLines lines = item.rows();
          // A trace rolled up before: its lines are replaced as a whole (never added to).
          if (lines.amends()) {
            deleteEarlier(earlier, deleteLines, lines.traceId(), -1, -1);
          }
          long first = next;
          for (CostLine costLine : item.billable()) {
            rows.bindLine(line, next++, costLine);
            line.addBatch();
          }
          Placed placed = new Placed(item, first, next - 1);
          if (lines.amends()) {
            rows.bindTrace(trace, item, placed.first(), placed.last());
            trace.addBatch();
          } else {
            rows.bindTrace(traceNew, item, placed.first(), placed.last());
            traceNew.addBatch();
            added.add(placed);
          }
        }
        line.executeBatch();
        trace.executeBatch();
        int[] inserted = traceNew.executeBatch();
        for (int i = 0; i < added.size(); i++) {
          if (inserted[i] != 1) {
            // Stored meanwhile by another writer on this ledger (another service, a replay): its
            // lines are replaced by these, as for any trace rolled up again, never added to.
            Placed placed = added.get(i);
            deleteEarlier(earlier, deleteLines, placed.encoded().rows().traceId(), placed.first(),
                placed.last());
            rows.bindTrace(trace, placed.encoded(), placed.first(), placed.last());
            trace.executeUpdate();
          }
        }
      }
      return null;
    });
  }

  /**
   * Deletes the lines the stored row of a trace names, unless they are {@code first} to
   * {@code last} (this rollup's own).
   */
  private static void deleteEarlier(PreparedStatement earlier, PreparedStatement deleteLines,
      String traceId, long first, long last) throws SQLException {
    earlier.setString(1, traceId);
    try (ResultSet rs = earlier.executeQuery()) {
      if (rs.next() && rs.getObject(1) != null
          && (rs.getLong(1) != first || rs.getLong(2) != last)) {
        deleteLines.setLong(1, rs.getLong(1));
        deleteLines.setLong(2, rs.getLong(2));
        deleteLines.executeUpdate();
      }
    }
  }

  /** The highest line number stored; read inside the writing transaction. */
  private long lastLineId(Connection connection) throws SQLException {
    if (dialect == Dialect.POSTGRES) {
      try (Statement statement = connection.createStatement()) {
        // numbers are taken by one writer at a time, even with several services on one database
        statement.execute("LOCK TABLE cost_lines IN SHARE ROW EXCLUSIVE MODE");
      }
    }
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT COALESCE(MAX(line_id), 0) FROM cost_lines")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public Set<String> rolledUp(Collection<String> traceIds) throws StorageException {
    try {
      return Patience.retrying(Patience.ROLLUPS, () -> reads.rolledUp(new ArrayList<>(traceIds)));
    } catch (SQLException e) {
      throw new StorageException("reading stored traces failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Map<DeliveryKey, Long> deliveries(String traceId) throws StorageException {
    try {
      return Patience.retrying(Patience.ROLLUPS, () -> reads.deliveries(traceId));
    } catch (SQLException e) {
      throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<TraceCost> trace(String traceId) throws StorageException {
    try {
      return reads.trace(traceId);
    } catch (SQLException e) {
      throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> clientsOf(String traceId) throws StorageException {
    try {
      return reads.clientsOf(traceId);
    } catch (SQLException e) {
      throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<CostRow> costs(CostQuery query) throws StorageException {
    try {
      return reads.costs(query);
    } catch (SQLException e) {
      throw new StorageException("the cost query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<TraceSummary> topTraces(Instant from, Instant to, int limit, @Nullable String client)
      throws StorageException {
    try {
      return reads.topTraces(from, to, limit, client);
    } catch (SQLException e) {
      throw new StorageException("the trace query failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<String> traceIds() throws StorageException {
    try {
      return reads.traceIds();
    } catch (SQLException e) {
      throw new StorageException("reading stored traces failed: " + e.getMessage(), e);
    }
  }

  @Override
  public long spanCount() throws StorageException {
    try {
      return reads.spanCount();
    } catch (SQLException e) {
      throw new StorageException("counting stored spans failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String description() {
    return description;
  }

  /** Closes the whole ledger (the store shares its reader with the request log). */
  @Override
  public void close() {
    closer.run();
  }
}
