package io.agentmeter.examples.demo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the processor's query API says about the demo's traces, read once the traces are rolled
 * up, and printed as the demo's cost report. Amounts stay exact decimals throughout.
 */
public record CostReport(
    String currency,
    List<Trace> traces,
    List<Row> byAgent,
    List<Row> byClient,
    List<Row> byTask,
    List<Row> byModel,
    List<Unpriced> unpriced) {

  /** One trace: a report of the workflow. */
  public record Trace(
      String traceId, String client, BigDecimal total, BigDecimal sharedTotal,
      BigDecimal retryTotal, int unpricedSpans, Map<String, BigDecimal> byAgent, boolean complete) {}

  /** One row of a grouped cost query. */
  public record Row(String key, BigDecimal cost, long spans, long unpricedSpans, long inputTokens,
      long outputTokens) {}

  /** Calls the catalogue could not price, by model and reason. */
  public record Unpriced(String agent, String model, String reason, int calls) {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** Reads the report from the API at {@code apiBase} ({@code http://127.0.0.1:8790}). */
  static CostReport read(HttpClient http, String apiBase) throws IOException, InterruptedException {
    JsonNode list = get(http, apiBase + "/api/v1/traces?sort=cost&limit=1000");
    List<Trace> traces = new ArrayList<>();
    Map<String, Unpriced> unpriced = new TreeMap<>();
    String currency = "USD";
    for (JsonNode row : rows(list)) {
      JsonNode t = get(http, apiBase + "/api/v1/traces/" + row.path("traceId").asText());
      currency = t.path("currency").asText(currency);
      traces.add(new Trace(t.path("traceId").asText(), String.join(",", keys(t.path("byClient"))),
          t.path("total").decimalValue(), t.path("sharedTotal").decimalValue(),
          t.path("retryTotal").decimalValue(), t.path("unpricedSpans").asInt(), amounts(t.path("byAgent")),
          t.path("complete").asBoolean()));
      for (JsonNode span : t.path("spans")) {
        if (span.path("status").asText().equals("unpriced")) {
          String key = span.path("agent").asText() + '\u0000' + span.path("model").asText()
              + '\u0000' + span.path("reason").asText();
          unpriced.merge(key, new Unpriced(span.path("agent").asText(), span.path("model").asText(),
              span.path("reason").asText(), 1), (a, b) -> new Unpriced(a.agent(), a.model(), a.reason(),
              a.calls() + b.calls()));
        }
      }
    }
    return new CostReport(currency, List.copyOf(traces), grouped(http, apiBase, "agent"),
        grouped(http, apiBase, "client"), grouped(http, apiBase, "task"), grouped(http, apiBase, "model"),
        List.copyOf(unpriced.values()));
  }

  private static List<Row> grouped(HttpClient http, String apiBase, String by)
      throws IOException, InterruptedException {
    List<Row> result = new ArrayList<>();
    for (JsonNode r : rows(get(http, apiBase + "/api/v1/costs?groupBy=" + by + "&from=2000-01-01"))) {
      result.add(new Row(r.path("key").asText(), r.path("cost").decimalValue(), r.path("spans").asLong(),
          r.path("unpricedSpans").asLong(), r.path("inputTokens").asLong(), r.path("outputTokens").asLong()));
    }
    return List.copyOf(result);
  }

  static JsonNode get(HttpClient http, String url) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  private static Iterable<JsonNode> rows(JsonNode node) {
    return node.has("rows") ? node.path("rows") : node.path("traces");
  }

  private static List<String> keys(JsonNode object) {
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    return keys;
  }

  private static Map<String, BigDecimal> amounts(JsonNode object) {
    Map<String, BigDecimal> result = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().decimalValue()));
    return result;
  }

  /** The total of every trace. */
  public BigDecimal total() {
    return traces.stream().map(Trace::total).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  /** The cost of {@code key} in {@code rows}, or {@code null}. */
  public static BigDecimal cost(List<Row> rows, String key) {
    return rows.stream().filter(r -> r.key().equals(key)).map(Row::cost).findFirst().orElse(null);
  }

  void print(PrintStream out) {
    out.printf("%nCost per trace (%s)%n", currency);
    out.printf("  %-32s  %-8s  %12s  %12s  %12s  %8s%n", "trace", "client", "total", "shared", "retry",
        "unpriced");
    for (Trace t : traces) {
      out.printf("  %-32s  %-8s  %12s  %12s  %12s  %8d%n", t.traceId(), t.client(), plain(t.total()),
          plain(t.sharedTotal()), plain(t.retryTotal()), t.unpricedSpans());
    }
    out.printf("  %-32s  %-8s  %12s%n", "all traces", "", plain(total()));
    table(out, "agent", byAgent);
    table(out, "client", byClient);
    table(out, "task", byTask);
    table(out, "model", byModel);
    out.printf("%nUnpriced calls (counted, never priced at $0)%n");
    if (unpriced.isEmpty()) {
      out.println("  none");
    }
    for (Unpriced u : unpriced) {
      out.printf("  %d x %s (agent %s): %s%n", u.calls(), u.model(), u.agent(), u.reason());
    }
  }

  private void table(PrintStream out, String by, List<Row> rows) {
    out.printf("%nCost by %s (%s)%n", by, currency);
    out.printf("  %-26s  %12s  %6s  %9s  %10s  %10s%n", by, "cost", "spans", "unpriced", "input tok", "output tok");
    for (Row r : rows) {
      // a row whose every span is unpriced has no cost, not a cost of 0
      String cost = r.unpricedSpans() == r.spans() && r.cost().signum() == 0 ? "unpriced" : plain(r.cost());
      out.printf("  %-26s  %12s  %6d  %9d  %10d  %10d%n", r.key(), cost, r.spans(), r.unpricedSpans(),
          r.inputTokens(), r.outputTokens());
    }
  }

  private static String plain(BigDecimal amount) {
    return amount == null ? "-" : amount.stripTrailingZeros().toPlainString();
  }
}
