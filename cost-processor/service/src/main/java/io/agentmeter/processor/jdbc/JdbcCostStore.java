package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.jdbc.CostRows.Encoded;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.CounterTotals;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import io.agentmeter.processor.store.CostLine;
import io.agentmeter.processor.store.CostLines;
import io.agentmeter.processor.store.CostStore;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
      Map<CostLabels, BigDecimal> reversals = new HashMap<>();
      try (PreparedStatement earlier = connection.prepareStatement(
              "SELECT first_line_id, last_line_id FROM traces WHERE trace_id = ?");
          PreparedStatement earlierCost = connection.prepareStatement("SELECT agent, model,"
              + " provider, client, currency, cost FROM cost_lines WHERE line_id BETWEEN ? AND ?"
              + " AND status = 'priced' AND cost IS NOT NULL");
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
            replaceEarlier(earlier, earlierCost, deleteLines, item, -1, -1, reversals);
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
            replaceEarlier(earlier, earlierCost, deleteLines, placed.encoded(), placed.first(),
                placed.last(), reversals);
            rows.bindTrace(trace, placed.encoded(), placed.first(), placed.last());
            trace.executeUpdate();
          }
        }
        addReversals(connection, reversals);
      }
      return null;
    });
  }

  /** Adds what this write took back from label sets to the ledger's sums of it. */
  private void addReversals(Connection connection, Map<CostLabels, BigDecimal> reversals)
      throws SQLException {
    if (reversals.isEmpty()) {
      return;
    }
    try (PreparedStatement select = connection.prepareStatement("SELECT amount FROM"
            + " cost_reversals WHERE agent = ? AND model = ? AND provider = ? AND client = ?"
            + " AND currency = ?");
        PreparedStatement upsert = connection.prepareStatement("INSERT INTO cost_reversals"
            + " (agent, model, provider, client, currency, amount) VALUES (?,?,?,?,?,?)"
            + " ON CONFLICT (agent, model, provider, client, currency)"
            + " DO UPDATE SET amount = excluded.amount")) {
      for (Map.Entry<CostLabels, BigDecimal> e : reversals.entrySet()) {
        CostLabels l = e.getKey();
        String[] key = {l.agent(), l.model(), l.provider(), l.client(), l.currency()};
        for (int i = 0; i < key.length; i++) {
          select.setString(i + 1, key[i]);
          upsert.setString(i + 1, key[i]);
        }
        BigDecimal sum = e.getValue();
        try (ResultSet rs = select.executeQuery()) {
          if (rs.next()) {
            // summed here, exactly: SQLite would add decimal text as binary floating point
            sum = sum.add(new BigDecimal(rs.getString(1)));
          }
        }
        rows.decimal(upsert, 6, sum);
        upsert.executeUpdate();
      }
    }
  }

  /**
   * Deletes the lines the stored row of a trace names, unless they are {@code first} to
   * {@code last} (this rollup's own), adding what replacing them with {@code now}'s takes back
   * from each label set's cost to {@code reversals}.
   */
  private static void replaceEarlier(PreparedStatement earlier, PreparedStatement earlierCost,
      PreparedStatement deleteLines, Encoded now, long first, long last,
      Map<CostLabels, BigDecimal> reversals) throws SQLException {
    earlier.setString(1, now.rows().traceId());
    long from;
    long to;
    try (ResultSet rs = earlier.executeQuery()) {
      if (!rs.next() || rs.getObject(1) == null
          || (rs.getLong(1) == first && rs.getLong(2) == last)) {
        return;
      }
      from = rs.getLong(1);
      to = rs.getLong(2);
    }
    Map<CostLabels, BigDecimal> before = new HashMap<>();
    earlierCost.setLong(1, from);
    earlierCost.setLong(2, to);
    try (ResultSet rs = earlierCost.executeQuery()) {
      while (rs.next()) {
        before.merge(CostLines.labels(rs.getString(1), rs.getString(2), rs.getString(3),
            rs.getString(4), rs.getString(5)), new BigDecimal(rs.getString(6)), BigDecimal::add);
      }
    }
    CostLines.addReversals(before, CostLines.costByLabels(now.billable()), reversals);
    deleteLines.setLong(1, from);
    deleteLines.setLong(2, to);
    deleteLines.executeUpdate();
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
  public void keepPricing(Pricing pricing) throws StorageException {
    try {
      Patience.retrying(Patience.ROLLUPS, () -> {
        writer.transaction(connection -> {
          try (PreparedStatement insert = connection.prepareStatement("INSERT INTO pricings"
              + " (pricing_id, bundled, name, content, stored_at_ms) VALUES (?, ?, ?, ?, ?)"
              + " ON CONFLICT (pricing_id) DO NOTHING")) {
            insert.setString(1, pricing.id());
            insert.setString(2, pricing.bundled());
            insert.setString(3, pricing.name());
            insert.setString(4, pricing.content());
            insert.setLong(5, clock.millis());
            insert.executeUpdate();
          }
          return null;
        });
        return null;
      });
    } catch (SQLException e) {
      throw new StorageException("keeping the prices " + pricing.id() + " failed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Pricing> pricing(String id) throws StorageException {
    try {
      return reads.pricing(id);
    } catch (SQLException e) {
      throw new StorageException("reading the prices " + id + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> pricingOf(String traceId) throws StorageException {
    try {
      return Patience.retrying(Patience.ROLLUPS, () -> reads.pricingOf(traceId));
    } catch (SQLException e) {
      throw new StorageException("reading trace " + traceId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public CounterTotals counters() throws StorageException {
    try {
      return reads.counters();
    } catch (SQLException e) {
      throw new StorageException("summing the stored costs failed: " + e.getMessage(), e);
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
