package io.agentmeter.processor.ledger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.SpanCost;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.processor.receive.IncomingSpan;
import io.agentmeter.processor.receive.SpanConverter;
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
 * The durable cost ledger: every received span once (keyed by trace id, span id and a content
 * fingerprint, so a re-delivered span can never count twice), its cost once its trace is rolled
 * up, the per-span cost lines that cost queries sum, and each trace's rollup. The same schema on
 * SQLite (a file, the default) and PostgreSQL.
 *
 * <p>Thread-safe: writes are serialised on one connection, reads use another.
 */
public final class Ledger implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP =
      new TypeReference<>() {};
  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  private final Dialect dialect;
  private final String description;
  private final Connection writer;
  private final Connection reader;

  private Ledger(Dialect dialect, String description, Connection writer, Connection reader) {
    this.dialect = dialect;
    this.description = description;
    this.writer = writer;
    this.reader = reader;
  }

  /**
   * Opens (creating and migrating as needed) the ledger at {@code location}: a
   * {@code jdbc:postgresql:} URL, or a file path (or {@code jdbc:sqlite:} URL) for SQLite.
   */
  public static Ledger open(String location) throws SQLException {
    if (location.startsWith("jdbc:postgresql:")) {
      Connection writer = DriverManager.getConnection(location);
      Connection reader = DriverManager.getConnection(location);
      Migrations.apply(writer, Dialect.POSTGRES);
      writer.setAutoCommit(false);
      return new Ledger(Dialect.POSTGRES, redact(location), writer, reader);
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
    Connection writer = DriverManager.getConnection(url, props);
    Migrations.apply(writer, Dialect.SQLITE);
    writer.setAutoCommit(false);
    Connection reader = DriverManager.getConnection(url, props);
    return new Ledger(Dialect.SQLITE, file.toString(), writer, reader);
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
   * Stores received spans in one transaction, durably, before returning. A span already stored
   * (same trace id, span id and content) is skipped.
   *
   * @return the spans that were new
   */
  public List<IncomingSpan> insert(List<IncomingSpan> spans) throws SQLException {
    if (spans.isEmpty()) {
      return List.of();
    }
    long now = System.currentTimeMillis();
    List<IncomingSpan> fresh = new ArrayList<>(spans.size());
    synchronized (writer) {
      try (PreparedStatement insert = writer.prepareStatement(
          "INSERT INTO spans (trace_id, span_id, fingerprint, parent_span_id, name, start_nanos,"
              + " end_nanos, received_at_ms, payload) VALUES (?,?,?,?,?,?,?,?,?)"
              + " ON CONFLICT DO NOTHING");
          PreparedStatement pending = writer.prepareStatement(
              "INSERT INTO pending_traces (trace_id, since_ms) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
        String lastTrace = null;
        for (IncomingSpan span : spans) {
          insert.setString(1, span.record().traceId());
          insert.setString(2, span.record().spanId());
          insert.setString(3, span.fingerprint());
          insert.setString(4, span.record().parentSpanId());
          insert.setString(5, span.record().name());
          insert.setLong(6, span.record().startEpochNanos());
          insert.setLong(7, span.record().endEpochNanos());
          insert.setLong(8, now);
          insert.setBytes(9, span.payload());
          if (insert.executeUpdate() == 1) {
            fresh.add(span);
            String traceId = span.record().traceId();
            if (!traceId.equals(lastTrace)) {
              pending.setString(1, traceId);
              pending.setLong(2, now);
              pending.executeUpdate();
              lastTrace = traceId;
            }
          }
        }
        writer.commit();
      } catch (SQLException e) {
        rollbackQuietly();
        throw e;
      }
    }
    return fresh;
  }

  /** Every stored span of a trace, as received. */
  public List<IncomingSpan> spansOf(String traceId) throws SQLException {
    List<IncomingSpan> result = new ArrayList<>();
    synchronized (reader) {
      try (PreparedStatement select =
          reader.prepareStatement("SELECT payload FROM spans WHERE trace_id = ?")) {
        select.setString(1, traceId);
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            result.add(SpanConverter.fromPayload(rs.getBytes(1)));
          }
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new SQLException("a stored span of trace " + traceId + " cannot be decoded", e);
      }
    }
    return result;
  }

  /** Every trace with stored spans. */
  public List<String> allTraceIds() throws SQLException {
    List<String> ids = new ArrayList<>();
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery("SELECT DISTINCT trace_id FROM spans ORDER BY trace_id")) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    }
    return ids;
  }

  /** Traces with spans not yet rolled up (after a restart: the ones to finish). */
  public List<String> pendingTraceIds() throws SQLException {
    List<String> ids = new ArrayList<>();
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery(
              "SELECT trace_id FROM pending_traces")) {
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
    store(List.of(new Rollup(traceId, result, spans, complete)));
  }

  /**
   * A trace's rollup to store.
   *
   * @param traceId the trace
   * @param result its rollup
   * @param spans the stored spans it was computed from
   * @param complete whether the trace's root span was seen
   */
  public record Rollup(String traceId, RollupResult result, List<IncomingSpan> spans,
      boolean complete) {}

  /** Stores several traces' rollups in one transaction (one disk sync for all). */
  public void store(List<Rollup> rollups) throws SQLException {
    if (rollups.isEmpty()) {
      return;
    }
    Map<String, Rollup> latest = new LinkedHashMap<>();
    for (Rollup rollup : rollups) {
      latest.put(rollup.traceId(), rollup);
    }
    long now = System.currentTimeMillis();
    // Every value is computed before the writer is taken: ingest waits on it.
    List<TraceRows> rows = new ArrayList<>(latest.size());
    for (Rollup item : latest.values()) {
      rows.add(rows(item, now));
    }
    synchronized (writer) {
      try (PreparedStatement deleteLines =
              writer.prepareStatement("DELETE FROM cost_lines WHERE trace_id = ?");
          PreparedStatement donePending =
              writer.prepareStatement("DELETE FROM pending_traces WHERE trace_id = ?");
          PreparedStatement line = writer.prepareStatement(
              "INSERT INTO cost_lines (trace_id, span_id, fingerprint, line, start_nanos, day, agent,"
                  + " task, client, provider, model, status, reason, cost, span_cost, currency,"
                  + " price_ref, input_tokens, output_tokens, retry, shared)"
                  + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
          PreparedStatement trace = writer.prepareStatement(
              "INSERT INTO traces (trace_id, currency, total, total_rank, complete, root_span_id,"
                  + " root_name, span_count, unpriced_spans, shared_total, retry_total, start_nanos,"
                  + " by_agent, by_model, by_client, clients, updated_at_ms)"
                  + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                  + " ON CONFLICT (trace_id) DO UPDATE SET currency = excluded.currency,"
                  + " total = excluded.total, total_rank = excluded.total_rank,"
                  + " complete = excluded.complete, root_span_id = excluded.root_span_id,"
                  + " root_name = excluded.root_name, span_count = excluded.span_count,"
                  + " unpriced_spans = excluded.unpriced_spans,"
                  + " shared_total = excluded.shared_total, retry_total = excluded.retry_total,"
                  + " start_nanos = excluded.start_nanos, by_agent = excluded.by_agent,"
                  + " by_model = excluded.by_model, by_client = excluded.by_client,"
                  + " clients = excluded.clients, updated_at_ms = excluded.updated_at_ms")) {
        for (TraceRows item : rows) {
          deleteLines.setString(1, item.traceId());
          deleteLines.executeUpdate();
          donePending.setString(1, item.traceId());
          donePending.executeUpdate();
          for (Object[] values : item.lines()) {
            bind(line, values);
            line.addBatch();
          }
          bind(trace, item.trace());
          trace.addBatch();
        }
        line.executeBatch();
        trace.executeBatch();
        writer.commit();
      } catch (SQLException e) {
        rollbackQuietly();
        throw e;
      }
    }
  }

  /** A trace's rows, every column value ready to bind. */
  private record TraceRows(String traceId, List<Object[]> lines, Object[] trace) {}

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
    Map<String, ArrayDeque<String>> fingerprints = new HashMap<>();
    for (IncomingSpan span : item.spans()) {
      fingerprints.computeIfAbsent(key(span.record().spanId(), span.record().startEpochNanos()),
          k -> new ArrayDeque<>()).add(span.fingerprint());
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
      ArrayDeque<String> queue = fingerprints.get(key(outcome.spanId(), outcome.startEpochNanos()));
      String fingerprint = queue == null ? null : queue.poll();
      if (fingerprint == null) {
        continue;
      }
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
            outcome.retry() ? 1 : 0, outcome.sharedResource() != null ? 1 : 0});
        n++;
      }
    }
    Object[] trace = {
        traceId, result.currency(), decimal(result.total()), result.total().doubleValue(),
        item.complete() ? 1 : 0, text(rootId), text(rootName), distinct, result.unpricedSpans(),
        decimal(result.sharedTotal()), decimal(result.retryTotal()), start == Long.MAX_VALUE ? 0L : start,
        json(result.byAgent()), json(result.byModel()), json(result.byClient()),
        "," + String.join(",", clients) + ",", now};
    return new TraceRows(traceId, lines, trace);
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

  private static void bind(PreparedStatement statement, Object[] values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      int index = i + 1;
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
  public Optional<TraceCost> trace(String traceId) throws SQLException {
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
          "SELECT s.span_id, s.parent_span_id, s.name, s.start_nanos, c.agent, c.model, c.status,"
              + " c.reason, c.span_cost FROM spans s LEFT JOIN cost_lines c"
              + " ON c.trace_id = s.trace_id AND c.span_id = s.span_id"
              + " AND c.fingerprint = s.fingerprint AND c.line = 0"
              + " WHERE s.trace_id = ? ORDER BY s.start_nanos, s.span_id")) {
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
  public List<String> clientsOf(String traceId) throws SQLException {
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
  public List<CostRow> costs(CostQuery query) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT ").append(query.groupBy().column)
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

  /** The most expensive traces that started in [from, to), optionally only one client's. */
  public List<TraceSummary> topTraces(Instant from, Instant to, int limit, @Nullable String client)
      throws SQLException {
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

  /** How many spans are stored (each distinct delivery once). */
  public long spanCount() throws SQLException {
    synchronized (reader) {
      try (Statement statement = reader.createStatement();
          ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM spans")) {
        rs.next();
        return rs.getLong(1);
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

  @Override
  public void close() throws SQLException {
    synchronized (writer) {
      writer.close();
    }
    synchronized (reader) {
      reader.close();
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

  private static String key(String spanId, long start) {
    return spanId + '@' + start;
  }

  private void rollbackQuietly() {
    try {
      writer.rollback();
    } catch (SQLException ignored) {
      // the original failure is what the caller needs to see
    }
  }

  private static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

}
