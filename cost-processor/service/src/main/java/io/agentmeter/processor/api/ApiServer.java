package io.agentmeter.processor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmeter.processor.http.HttpLimits;
import io.agentmeter.processor.http.HttpServer;
import io.agentmeter.processor.http.Reply;
import io.agentmeter.processor.http.Request;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.store.CostStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The query API (JSON over HTTP) and {@code /metrics}. Amounts are JSON numbers written from exact
 * decimals, and {@code null} where nothing was priced but some spans were unpriced (an unknown
 * cost is never written as 0; the {@code unpricedSpans} beside it count them). With tokens configured every call needs {@code Authorization: Bearer <token>}; a token
 * scoped to a client sees only that client's costs. Without tokens, bind to loopback only. Served
 * by {@link HttpServer}: the method and token are checked from the headers, and a slow client holds
 * a connection, not one of the threads that query the ledger.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
  private static final ObjectMapper JSON = JsonMapper.builder()
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();
  /** A query is a GET: a body is not expected, so little of one is read. */
  private static final int MAX_BODY_BYTES = 64 * 1024;

  private final HttpServer server;
  private final CostStore store;
  private final Metrics metrics;
  private final List<ApiToken> tokens;
  private final String currency;
  private final Readiness readiness;

  /** Whether the service can do its work now (the ledger takes writes and answers reads). */
  @FunctionalInterface
  public interface Readiness {
    /** Why not, or empty; answers within a few seconds. */
    Optional<String> problem();
  }

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

  public ApiServer(InetSocketAddress address, CostStore store, Metrics metrics, List<ApiToken> tokens,
      String currency) throws IOException {
    this(address, store, metrics, tokens, currency, HttpLimits.DEFAULTS.withMaxConnections(64));
  }

  public ApiServer(InetSocketAddress address, CostStore store, Metrics metrics, List<ApiToken> tokens,
      String currency, HttpLimits limits) throws IOException {
    this(address, store, metrics, tokens, currency, limits, Optional::empty);
  }

  /**
   * @param readiness what {@code /readyz} answers from
   */
  public ApiServer(InetSocketAddress address, CostStore store, Metrics metrics, List<ApiToken> tokens,
      String currency, HttpLimits limits, Readiness readiness) throws IOException {
    this.readiness = readiness;
    this.store = store;
    this.currency = currency;
    this.metrics = metrics;
    this.tokens = List.copyOf(tokens);
    this.server = HttpServer.start("agentmeter-api", address, limits, MAX_BODY_BYTES, 4,
        new Exchange());
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  private final class Exchange implements HttpServer.Handler {

    /** Method and token are checked from the headers, before anything else is read. */
    @Override
    public @Nullable Reply head(Request request) {
      if (!"GET".equals(request.method())) {
        return error(405, "only GET is supported");
      }
      // health answers carry no data, and a load balancer has no token
      if (!tokens.isEmpty() && caller(request) == null && !isHealth(request.path())) {
        return error(401, "a valid 'Authorization: Bearer <token>' header is required")
            .with("WWW-Authenticate", "Bearer");
      }
      return null;
    }

    @Override
    public Reply tooLarge(Request request, long declared) {
      return error(413, "a query has no body; got more than " + MAX_BODY_BYTES + " bytes");
    }

    @Override
    public Reply handle(Request request, byte[] body) {
      try {
        return respond(request);
      } catch (IllegalArgumentException e) {
        return error(400, e.getMessage());
      } catch (StorageException e) {
        // the ledger is away (a database restarting, a full disk): ask to retry, as ingest does
        LOG.log(Level.WARNING, "API request failed: the ledger is unavailable", e);
        return error(503, "the ledger is unavailable: " + e.getMessage());
      } catch (Exception e) {
        LOG.log(Level.WARNING, "API request failed", e);
        return error(500, "internal error: " + e.getMessage());
      }
    }

    @Override
    public Reply error(int status, String message) {
      Reply reply = ApiServer.error(status, message);
      return status == 503 ? reply.with("Retry-After", "1") : reply;
    }
  }

  /**
   * The token an {@code Authorization} header names, or {@code null}. The scheme is matched
   * without regard to case (RFC 7235), and every token is compared in constant time, all of them
   * whatever matched, so neither the answer's timing nor its content tells how much of a guess
   * was right.
   */
  @Nullable ApiToken caller(Request request) {
    String auth = request.header("Authorization");
    int space = auth.indexOf(' ');
    if (space < 0 || !auth.substring(0, space).equalsIgnoreCase("Bearer")) {
      return null;
    }
    byte[] presented = digest(auth.substring(space + 1).trim());
    ApiToken found = null;
    for (ApiToken token : tokens) {
      if (MessageDigest.isEqual(digest(token.token()), presented) && found == null) {
        found = token;
      }
    }
    return found;
  }

  /** SHA-256 of a token: equal lengths to compare, whatever was sent. */
  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  private Reply respond(Request request) throws Exception {
    ApiToken caller = tokens.isEmpty() ? null : caller(request);
    if (!tokens.isEmpty() && caller == null && !isHealth(request.path())) {
      return error(401, "a valid 'Authorization: Bearer <token>' header is required")
          .with("WWW-Authenticate", "Bearer");
    }
    @Nullable String scope = caller == null ? null : caller.client();
    String path = request.path();
    Map<String, String> query = query(request.rawQuery());
    if (path.equals("/metrics")) {
      if (scope != null) {
        return error(403, "a client-scoped token cannot read fleet-wide metrics");
      }
      return Reply.of(200, "text/plain; version=0.0.4; charset=utf-8",
          metrics.scrape().getBytes(StandardCharsets.UTF_8));
    } else if (path.equals("/healthz")) {
      // liveness: the process runs and answers; whether it can work is /readyz
      return Reply.of(200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8));
    } else if (path.equals("/readyz")) {
      Optional<String> problem = readiness.problem();
      // why, only to a caller who may read the rest (it can name the database and its error)
      String why = problem.isEmpty() ? "" : !tokens.isEmpty() && caller == null
          ? "the ledger cannot be used" : problem.get();
      return problem.isEmpty()
          ? Reply.of(200, "text/plain; charset=utf-8", "ready\n".getBytes(StandardCharsets.UTF_8))
          : Reply.of(503, "text/plain; charset=utf-8",
              ("not ready: " + why + "\n").getBytes(StandardCharsets.UTF_8))
              .with("Retry-After", "1");
    } else if (path.startsWith("/api/v1/traces/")) {
      return trace(path.substring("/api/v1/traces/".length()), scope);
    } else if (path.equals("/api/v1/traces")) {
      return topTraces(query, scope);
    } else if (path.equals("/api/v1/costs")) {
      return costs(query, scope);
    }
    return error(404, "no such endpoint: " + path);
  }

  private static boolean isHealth(String path) {
    return path.equals("/healthz") || path.equals("/readyz");
  }

  private Reply trace(String traceId, @Nullable String scope) throws Exception {
    String id = traceId.toLowerCase(java.util.Locale.ROOT);
    if (!id.matches("[0-9a-f]{32}")) {
      return error(400, "trace id must be 32 hex characters, got '" + traceId + "'");
    }
    Optional<TraceCost> found = store.trace(id);
    if (found.isEmpty() || (scope != null && !store.clientsOf(id).equals(List.of(scope)))) {
      return error(404, "no trace " + id);
    }
    TraceCost t = found.get();
    ObjectNode root = JSON.createObjectNode();
    root.put("traceId", t.traceId());
    root.put("currency", t.currency());
    root.put("complete", t.complete());
    root.put("total", t.knownTotal());
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
    return json(root);
  }

  private Reply costs(Map<String, String> q, @Nullable String scope) throws Exception {
    CostQuery.GroupBy groupBy = CostQuery.GroupBy.parse(q.getOrDefault("groupBy", "agent"));
    String client = q.get("client");
    if (scope != null) {
      if (client != null && !client.equals(scope)) {
        return error(403, "this token may only read client '" + scope + "'");
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
      r.put("cost", row.knownCost());
      r.put("spans", row.spans());
      r.put("unpricedSpans", row.unpricedSpans());
      r.put("inputTokens", row.inputTokens());
      r.put("outputTokens", row.outputTokens());
    }
    return json(root);
  }

  private Reply topTraces(Map<String, String> q, @Nullable String scope) throws Exception {
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
      r.put("total", t.knownTotal());
      r.put("currency", t.currency());
      r.put("spans", t.spans());
      r.put("unpricedSpans", t.unpricedSpans());
      r.put("complete", t.complete());
    }
    return json(root);
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

  private static Reply json(ObjectNode node) {
    return Reply.of(200, "application/json", bytes(node));
  }

  private static Reply error(int status, String message) {
    ObjectNode node = JSON.createObjectNode();
    node.put("error", message);
    return Reply.of(status, "application/json", bytes(node));
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
