package io.agentmeter.processor.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.store.CostStore;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The query API (JSON over HTTP) and {@code /metrics}. Amounts are JSON numbers written from exact
 * decimals. With tokens configured every call needs {@code Authorization: Bearer <token>}; a token
 * scoped to a client sees only that client's costs. Without tokens, bind to loopback only.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
  private static final ObjectMapper JSON = JsonMapper.builder()
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();

  private final HttpServer server;
  private final ExecutorService executor;
  private final CostStore store;
  private final Metrics metrics;
  private final Map<String, ApiToken> tokens;
  private final String currency;

  /**
   * A bearer token; {@code client} non-null scopes it to one client's costs.
   *
   * @param token the secret
   * @param client the only client it may see, or {@code null} for all
   */
  public record ApiToken(String token, @Nullable String client) {
    /** Parses {@code secret} or {@code secret=client}. */
    public static ApiToken parse(String text) {
      int eq = text.indexOf('=');
      return eq < 0 ? new ApiToken(text, null)
          : new ApiToken(text.substring(0, eq), text.substring(eq + 1));
    }
  }

  public ApiServer(InetSocketAddress address, CostStore store, Metrics metrics,
      List<ApiToken> tokens, String currency) throws IOException {
    this.store = store;
    this.currency = currency;
    this.metrics = metrics;
    this.tokens = new HashMap<>();
    for (ApiToken token : tokens) {
      this.tokens.put(token.token(), token);
    }
    this.server = HttpServer.create(address, 64);
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "agentmeter-api");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      respond(exchange);
    }
  }

  private void respond(HttpExchange exchange) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod())) {
        error(exchange, 405, "only GET is supported");
        return;
      }
      ApiToken caller = null;
      if (!tokens.isEmpty()) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        caller = auth != null && auth.startsWith("Bearer ") ? tokens.get(auth.substring(7).trim())
            : null;
        if (caller == null) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
          error(exchange, 401, "a valid 'Authorization: Bearer <token>' header is required");
          return;
        }
      }
      @Nullable String scope = caller == null ? null : caller.client();
      String path = exchange.getRequestURI().getPath();
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      if (path.equals("/metrics")) {
        if (scope != null) {
          error(exchange, 403, "a client-scoped token cannot read fleet-wide metrics");
          return;
        }
        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
            metrics.scrape().getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("/healthz")) {
        send(exchange, 200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8));
      } else if (path.startsWith("/api/v1/traces/")) {
        trace(exchange, path.substring("/api/v1/traces/".length()), scope);
      } else if (path.equals("/api/v1/traces")) {
        topTraces(exchange, query, scope);
      } else if (path.equals("/api/v1/costs")) {
        costs(exchange, query, scope);
      } else {
        error(exchange, 404, "no such endpoint: " + path);
      }
    } catch (IllegalArgumentException e) {
      error(exchange, 400, e.getMessage());
    } catch (Exception e) {
      LOG.log(Level.WARNING, "API request failed", e);
      error(exchange, 500, "internal error: " + e.getMessage());
    }
  }

  private void trace(HttpExchange exchange, String traceId, @Nullable String scope)
      throws Exception {
    String id = traceId.toLowerCase(java.util.Locale.ROOT);
    if (!id.matches("[0-9a-f]{32}")) {
      error(exchange, 400, "trace id must be 32 hex characters, got '" + traceId + "'");
      return;
    }
    Optional<TraceCost> found = store.trace(id);
    if (found.isEmpty() || (scope != null && !store.clientsOf(id).equals(List.of(scope)))) {
      error(exchange, 404, "no trace " + id);
      return;
    }
    TraceCost t = found.get();
    ObjectNode root = JSON.createObjectNode();
    root.put("traceId", t.traceId());
    root.put("currency", t.currency());
    root.put("complete", t.complete());
    root.put("total", t.total());
    root.set("byAgent", amounts(t.byAgent()));
    root.set("byModel", amounts(t.byModel()));
    root.set("byClient", amounts(t.byClient()));
    root.put("sharedTotal", t.sharedTotal());
    root.put("retryTotal", t.retryTotal());
    root.put("unpricedSpans", t.unpricedSpans());
    ArrayNode spans = root.putArray("spans");
    for (SpanRow s : t.spans()) {
      ObjectNode span = spans.addObject();
      span.put("spanId", s.spanId());
      span.put("parentSpanId", s.parentSpanId());
      span.put("name", s.name());
      span.put("agent", s.agent());
      span.put("model", s.model());
      span.put("status", s.status());
      span.put("reason", s.reason());
      span.put("cost", s.cost());
    }
    json(exchange, root);
  }

  private void costs(HttpExchange exchange, Map<String, String> q, @Nullable String scope)
      throws Exception {
    CostQuery.GroupBy groupBy = CostQuery.GroupBy.parse(q.getOrDefault("groupBy", "agent"));
    String client = q.get("client");
    if (scope != null) {
      if (client != null && !client.equals(scope)) {
        error(exchange, 403, "this token may only read client '" + scope + "'");
        return;
      }
      client = scope;
    }
    CostQuery query = new CostQuery(groupBy, instant(q.get("from"), Instant.EPOCH),
        instant(q.get("to"), Instant.now().plusSeconds(86_400)), q.get("agent"), client,
        q.get("task"), q.get("model"));
    List<CostRow> rows = store.costs(query);
    ObjectNode root = JSON.createObjectNode();
    root.put("currency", currency);
    root.put("groupBy", groupBy.value());
    ArrayNode array = root.putArray("rows");
    for (CostRow row : rows) {
      ObjectNode r = array.addObject();
      r.put("key", row.key());
      r.put("cost", row.cost());
      r.put("spans", row.spans());
      r.put("unpricedSpans", row.unpricedSpans());
      r.put("inputTokens", row.inputTokens());
      r.put("outputTokens", row.outputTokens());
    }
    json(exchange, root);
  }

  private void topTraces(HttpExchange exchange, Map<String, String> q, @Nullable String scope)
      throws Exception {
    String sort = q.getOrDefault("sort", "cost");
    if (!sort.equals("cost")) {
      throw new IllegalArgumentException("sort must be 'cost', got '" + sort + "'");
    }
    int limit;
    try {
      limit = Integer.parseInt(q.getOrDefault("limit", "20"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit must be an integer, got '" + q.get("limit") + "'");
    }
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be between 1 and 1000, got " + limit);
    }
    List<TraceSummary> traces = store.topTraces(instant(q.get("from"), Instant.EPOCH),
        instant(q.get("to"), Instant.now().plusSeconds(86_400)), limit, scope);
    ObjectNode root = JSON.createObjectNode();
    ArrayNode array = root.putArray("traces");
    for (TraceSummary t : traces) {
      ObjectNode r = array.addObject();
      r.put("traceId", t.traceId());
      r.put("name", t.rootName());
      r.put("start", Instant.ofEpochSecond(0, t.startNanos()).toString());
      r.put("total", t.total());
      r.put("currency", t.currency());
      r.put("spans", t.spans());
      r.put("unpricedSpans", t.unpricedSpans());
      r.put("complete", t.complete());
    }
    json(exchange, root);
  }

  /** ISO-8601 instant or date (UTC midnight). */
  public static Instant instant(@Nullable String text, Instant fallback) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            "'" + text + "' is not an ISO-8601 instant (2026-11-24T10:00:00Z) or date (2026-11-24)");
      }
    }
  }

  private static ObjectNode amounts(Map<String, BigDecimal> map) {
    ObjectNode node = JSON.createObjectNode();
    map.forEach(node::put);
    return node;
  }

  private static Map<String, String> query(@Nullable String raw) {
    Map<String, String> result = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return result;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      result.put(key, value);
    }
    return result;
  }

  private static void json(HttpExchange exchange, ObjectNode node) throws IOException {
    send(exchange, 200, "application/json", JSON.writeValueAsBytes(node));
  }

  private static void error(HttpExchange exchange, int status, String message) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.put("error", message);
    send(exchange, status, "application/json", JSON.writeValueAsBytes(node));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
  }
}
