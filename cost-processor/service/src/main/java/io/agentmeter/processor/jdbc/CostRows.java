package io.agentmeter.processor.jdbc;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.processor.store.CostLine;
import io.agentmeter.processor.store.CostLines;
import io.agentmeter.processor.store.TraceRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A rollup's rows as the ledger's tables hold them: billable cost lines and trace rows (with the
 * trace's {@link SpanList}) bound column by column, decimals as the dialect stores them (text on SQLite, NUMERIC on PostgreSQL), a trace's
 * amounts by agent, model and client as JSON objects of decimal strings.
 */
final class CostRows {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP =
      new TypeReference<>() {};

  static final String INSERT_LINE = "INSERT INTO cost_lines (line_id, trace_id, span_id,"
      + " fingerprint, line, start_nanos, day, agent, task, client, provider, model, status,"
      + " reason, cost, span_cost, currency, price_ref, input_tokens, output_tokens, retry, shared,"
      + " parent_span_id, name, end_nanos, batch_id)"
      + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

  private static final String INSERT_TRACE = "INSERT INTO traces (trace_id, currency, total,"
      + " total_rank, complete, root_span_id, root_name, span_count, unpriced_spans, shared_total,"
      + " retry_total, start_nanos, by_agent, by_model, by_client, clients, updated_at_ms,"
      + " first_line_id, last_line_id, spans, stored_spans, pricing_id)"
      + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

  /** A trace row, unless the trace has one. */
  static final String INSERT_NEW_TRACE = INSERT_TRACE + " ON CONFLICT (trace_id) DO NOTHING";

  /** A trace row, replacing the trace's earlier one. */
  static final String UPSERT_TRACE = INSERT_TRACE
      + " ON CONFLICT (trace_id) DO UPDATE SET currency = excluded.currency,"
      + " total = excluded.total, total_rank = excluded.total_rank,"
      + " complete = excluded.complete, root_span_id = excluded.root_span_id,"
      + " root_name = excluded.root_name, span_count = excluded.span_count,"
      + " unpriced_spans = excluded.unpriced_spans,"
      + " shared_total = excluded.shared_total, retry_total = excluded.retry_total,"
      + " start_nanos = excluded.start_nanos, by_agent = excluded.by_agent,"
      + " by_model = excluded.by_model, by_client = excluded.by_client,"
      + " clients = excluded.clients, updated_at_ms = excluded.updated_at_ms,"
      + " first_line_id = excluded.first_line_id, last_line_id = excluded.last_line_id,"
      + " spans = excluded.spans, stored_spans = excluded.stored_spans,"
      + " pricing_id = excluded.pricing_id";

  /**
   * A trace's rows with its text columns and span list encoded, ready to bind (made before the
   * writer is taken): its billable lines go to {@code cost_lines}, every span to its list.
   */
  record Encoded(CostLines rows, List<CostLine> billable, byte[] spans, int storedSpans,
      String byAgent, String byModel, String byClient, String clients) {

    static Encoded of(CostLines rows) {
      TraceRow trace = rows.trace();
      List<CostLine> billable = new ArrayList<>();
      int first = 0;
      for (CostLine line : rows.lines()) {
        if (line.billable()) {
          billable.add(line);
        }
        if (line.first()) {
          first++;
        }
      }
      return new Encoded(rows, billable, SpanList.encode(rows.lines()), first,
          json(trace.byAgent()), json(trace.byModel()), json(trace.byClient()),
          "," + String.join(",", trace.clients()) + ",");
    }
  }

  private final Dialect dialect;

  CostRows(Dialect dialect) {
    this.dialect = dialect;
  }

  /** Binds a line of {@link #INSERT_LINE} numbered {@code lineId}. */
  void bindLine(PreparedStatement s, long lineId, CostLine line) throws SQLException {
    s.setLong(1, lineId);
    s.setString(2, line.traceId());
    s.setString(3, line.spanId());
    s.setString(4, line.fingerprint());
    s.setInt(5, line.line());
    s.setLong(6, line.startNanos());
    s.setString(7, line.day());
    s.setString(8, line.agent());
    s.setString(9, line.task());
    s.setString(10, line.client());
    text(s, 11, line.provider());
    text(s, 12, line.model());
    s.setString(13, line.status());
    text(s, 14, line.reason());
    decimal(s, 15, line.cost());
    decimal(s, 16, line.spanCost());
    s.setString(17, line.currency());
    text(s, 18, line.priceRef());
    s.setLong(19, line.inputTokens());
    s.setLong(20, line.outputTokens());
    s.setInt(21, line.retry() ? 1 : 0);
    s.setInt(22, line.shared() ? 1 : 0);
    text(s, 23, line.parentSpanId());
    s.setString(24, line.name());
    s.setLong(25, line.endNanos());
    s.setLong(26, line.batchId());
  }

  /**
   * Binds a trace row of {@link #INSERT_NEW_TRACE} or {@link #UPSERT_TRACE}, its lines numbered
   * {@code firstLine} to {@code lastLine}.
   */
  void bindTrace(PreparedStatement s, Encoded encoded, long firstLine, long lastLine)
      throws SQLException {
    TraceRow trace = encoded.rows().trace();
    s.setString(1, trace.traceId());
    s.setString(2, trace.currency());
    decimal(s, 3, trace.total());
    s.setDouble(4, trace.totalRank());
    s.setInt(5, trace.complete() ? 1 : 0);
    text(s, 6, trace.rootSpanId());
    text(s, 7, trace.rootName());
    s.setInt(8, trace.spanCount());
    s.setInt(9, trace.unpricedSpans());
    decimal(s, 10, trace.sharedTotal());
    decimal(s, 11, trace.retryTotal());
    s.setLong(12, trace.startNanos());
    s.setString(13, encoded.byAgent());
    s.setString(14, encoded.byModel());
    s.setString(15, encoded.byClient());
    s.setString(16, encoded.clients());
    s.setLong(17, trace.updatedAtMs());
    s.setLong(18, firstLine);
    s.setLong(19, lastLine);
    s.setBytes(20, encoded.spans());
    s.setInt(21, encoded.storedSpans());
    text(s, 22, trace.pricing());
  }

  private static void text(PreparedStatement s, int index, @Nullable String value)
      throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
  }

  /** A decimal as this dialect stores it: text on SQLite, NUMERIC on PostgreSQL. */
  void decimal(PreparedStatement s, int index, @Nullable BigDecimal value)
      throws SQLException {
    if (dialect == Dialect.SQLITE) {
      text(s, index, value == null ? null : value.toPlainString());
    } else if (value == null) {
      s.setNull(index, Types.NUMERIC);
    } else {
      s.setBigDecimal(index, value);
    }
  }

  /** A stored decimal column, without trailing zeros, or {@code null}. */
  static @Nullable BigDecimal decimal(ResultSet rs, int index) throws SQLException {
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

  /** Amounts by name as {@link Encoded} stores them, in their stored order. */
  static Map<String, BigDecimal> decimals(String json) {
    try {
      Map<String, BigDecimal> result = new LinkedHashMap<>();
      JSON.readValue(json, STRING_MAP).forEach((k, v) -> result.put(k, new BigDecimal(v)));
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
