package io.agentmeter.processor.jdbc;

import static io.agentmeter.processor.jdbc.CostRows.decimal;
import static io.agentmeter.processor.jdbc.CostRows.decimals;

import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.CounterTotals;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import io.agentmeter.processor.store.CostLines;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The cost store's queries, on the ledger's reads connections. */
final class CostReader {

  private final Connections reader;

  CostReader(Connections reader) {
    this.reader = reader;
  }

  /** Which of {@code traceIds} have a stored rollup (one query per 500 ids). */
  Set<String> rolledUp(List<String> traceIds) throws SQLException {
    Set<String> found = new HashSet<>();
    for (int from = 0; from < traceIds.size(); from += 500) {
      List<String> chunk = traceIds.subList(from, Math.min(traceIds.size(), from + 500));
      StringBuilder sql = new StringBuilder("SELECT trace_id FROM traces WHERE trace_id IN (");
      for (int i = 0; i < chunk.size(); i++) {
        sql.append(i == 0 ? "?" : ",?");
      }
      reader.read(connection -> {
        try (PreparedStatement select = connection.prepareStatement(sql.append(')').toString())) {
          for (int i = 0; i < chunk.size(); i++) {
            select.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
              found.add(rs.getString(1));
            }
          }
        }
        return null;
      });
    }
    return found;
  }

  /** The deliveries a trace's stored rollup counted, in the order stored, with their requests. */
  Map<DeliveryKey, Long> deliveries(String traceId) throws SQLException {
    return SpanList.deliveries(spanList(traceId));
  }

  private byte @Nullable [] spanList(String traceId) throws SQLException {
    return reader.read(connection -> {
      try (PreparedStatement select =
          connection.prepareStatement("SELECT spans FROM traces WHERE trace_id = ?")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          return rs.next() ? rs.getBytes(1) : null;
        }
      }
    });
  }

  /** A stored trace with its spans, or empty. */
  Optional<TraceCost> trace(String traceId) throws SQLException {
    return reader.read(connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT currency, complete, total, by_agent, by_model, by_client, shared_total,"
              + " retry_total, unpriced_spans, spans FROM traces WHERE trace_id = ?")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          List<SpanRow> spans = new ArrayList<>();
          for (SpanList.Entry entry : SpanList.decode(rs.getBytes(10))) {
            spans.add(entry.row());
          }
          spans.sort(Comparator.comparingLong(SpanRow::startNanos)
              .thenComparing(SpanRow::spanId));
          return Optional.of(new TraceCost(traceId, rs.getString(1), rs.getInt(2) == 1,
              decimal(rs, 3), decimals(rs.getString(4)), decimals(rs.getString(5)),
              decimals(rs.getString(6)), decimal(rs, 7), decimal(rs, 8), rs.getInt(9), spans));
        }
      }
    });
  }

  /** The clients billed in a trace (empty for an unknown trace). */
  List<String> clientsOf(String traceId) throws SQLException {
    return reader.read(connection -> {
      try (PreparedStatement select =
          connection.prepareStatement("SELECT clients FROM traces WHERE trace_id = ?")) {
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
    });
  }

  /**
   * Cost grouped by one dimension, summed exactly, most expensive first. The currency is the one
   * the rows were priced in (a ledger holds one reporting currency).
   */
  List<CostRow> costs(CostQuery query) throws SQLException {
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
    reader.read(connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
        select.setLong(1, CostLines.nanos(query.from()));
        select.setLong(2, CostLines.nanos(query.to()));
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
      return null;
    });
    List<CostRow> rows = new ArrayList<>(counts.size());
    counts.forEach((key, c) -> rows.add(
        new CostRow(key, sums.get(key).stripTrailingZeros(), c[0], c[1], c[2], c[3])));
    rows.sort(Comparator.comparing(CostRow::cost).reversed().thenComparing(CostRow::key));
    return rows;
  }

  private static String column(CostQuery.GroupBy groupBy) {
    return groupBy == CostQuery.GroupBy.TRACE ? "trace_id" : groupBy.value();
  }

  private static void filter(StringBuilder sql, List<String> params, String column,
      @Nullable String value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      params.add(value);
    }
  }

  /** The most expensive traces that started in [from, to), optionally only one client's. */
  List<TraceSummary> topTraces(Instant from, Instant to, int limit, @Nullable String client)
      throws SQLException {
    String sql = "SELECT trace_id, root_name, start_nanos, total, currency, span_count,"
        + " unpriced_spans, complete FROM traces WHERE start_nanos >= ? AND start_nanos < ?"
        + (client == null ? "" : " AND clients = ?")
        + " ORDER BY total_rank DESC, trace_id LIMIT ?";
    List<TraceSummary> result = new ArrayList<>();
    reader.read(connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql)) {
        int i = 1;
        select.setLong(i++, CostLines.nanos(from));
        select.setLong(i++, CostLines.nanos(to));
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
      return null;
    });
    return result;
  }

  /** Every rolled-up trace, in order. */
  List<String> traceIds() throws SQLException {
    List<String> ids = new ArrayList<>();
    reader.read(connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT trace_id FROM traces ORDER BY trace_id")) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return null;
    });
    return ids;
  }

  /**
   * Every billable line summed as the counters count it (exactly, in Java: SQLite would sum
   * decimal text as binary floating point), and the ledger's reversals.
   */
  CounterTotals counters() throws SQLException {
    Map<CostLabels, BigDecimal> cost = new HashMap<>();
    Map<TokenLabels, Long> tokens = new HashMap<>();
    Map<String, Long> unpriced = new HashMap<>();
    Map<CostLabels, BigDecimal> reversed = new HashMap<>();
    reader.read(connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT agent, model, provider, client,"
              + " currency, status, line, cost, input_tokens, output_tokens FROM cost_lines")) {
        while (rs.next()) {
          CostLines.count(CostLines.labels(rs.getString(1), rs.getString(2), rs.getString(3),
                  rs.getString(4), rs.getString(5)), rs.getString(6), rs.getInt(7) == 0,
              decimal(rs, 8), rs.getLong(9), rs.getLong(10), cost, tokens, unpriced);
        }
      }
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT agent, model, provider, client,"
              + " currency, amount FROM cost_reversals")) {
        while (rs.next()) {
          reversed.put(new CostLabels(rs.getString(1), rs.getString(2), rs.getString(3),
              rs.getString(4), rs.getString(5)), decimal(rs, 6));
        }
      }
      return null;
    });
    return new CounterTotals(cost, reversed, tokens, unpriced);
  }

  /** The prices kept under {@code id}, or empty. */
  Optional<Pricing> pricing(String id) throws SQLException {
    return reader.read(connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT bundled, name, content FROM pricings WHERE pricing_id = ?")) {
        select.setString(1, id);
        try (ResultSet rs = select.executeQuery()) {
          return rs.next()
              ? Optional.of(new Pricing(id, rs.getString(1), rs.getString(2), rs.getString(3)))
              : Optional.<Pricing>empty();
        }
      }
    });
  }

  /** The id of the prices a stored trace was rolled up with, or empty. */
  Optional<String> pricingOf(String traceId) throws SQLException {
    return reader.read(connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT pricing_id FROM traces WHERE trace_id = ?")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
        }
      }
    });
  }

  /** How many span deliveries the stored rollups counted. */
  long spanCount() throws SQLException {
    return reader.read(connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery(
              "SELECT COALESCE(SUM(stored_spans), 0) FROM traces")) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }
}
