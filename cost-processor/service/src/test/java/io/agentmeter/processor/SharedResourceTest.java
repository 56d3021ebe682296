package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared resources ({@code agentmeter.shared.resource}) through OTLP/HTTP, the ledger, the cost
 * API and /metrics. Prices from the bundled catalogue, USD per million tokens: gpt-4o-mini 0.15 in
 * and 0.60 out, gpt-4o 2.50 in and 10.00 out, text-embedding-3-small 0.02 in. Every span starts on
 * 2026-01-15 (UTC).
 *
 * <p>Each trace of {@link #workflow} is one task: the planner calls gpt-4o-mini (1,000 in, 500 out
 * = 0.00015 + 0.0003 = 0.00045), the researcher gpt-4o (2,000 in, 300 out = 0.005 + 0.003 =
 * 0.008), and both look the task's topic up in the vector store: one text-embedding-3-small call
 * of 500 tokens each (500 x 0.02e-6 = 0.00001), the same shared resource, so billed once, on the
 * earlier lookup, and split EVEN: 0.000005 to each agent.
 */
class SharedResourceTest {

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** 2026-01-15T00:00:00Z in nanoseconds. */
  private static final long DAY = 1_768_435_200_000_000_000L;
  private static final long MS = 1_000_000L;

  @TempDir Path dir;

  /**
   * Five traces, tasks task-0 to task-4. In task-0 and task-2 the planner looks up first, in task-1
   * and task-3 the researcher; in task-4 both lookups start on the same nanosecond and the
   * researcher's has the smaller span id, so it is the earlier use. Each span's row (its span count
   * and tokens) belongs to the agent on the span, whoever's lookup was billed, and every view says
   * so whatever the arrival order and batching:
   *
   * <ul>
   *   <li>planner: 5 x 0.00045 + 5 x 0.000005 = 0.002275; 7 spans (5 chats, the billed lookups of
   *       task-0 and task-2); 5 x 1,000 + 2 x 500 = 6,000 in, 5 x 500 = 2,500 out
   *   <li>researcher: 5 x 0.008 + 5 x 0.000005 = 0.040025; 8 spans (5 chats, the billed lookups of
   *       task-1, task-3 and task-4); 5 x 2,000 + 3 x 500 = 11,500 in, 5 x 300 = 1,500 out
   * </ul>
   */
  @Test
  void aSharedSpansRowBelongsToItsOwnAgentInEveryViewWhateverTheArrival() throws Exception {
    List<Span> spans = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      spans.addAll(workflow(n, "task-" + n, n == 4 ? 0 : n % 2 == 0 ? -1 : 1));
    }
    List<Span> shuffled = new ArrayList<>(spans);
    Collections.shuffle(shuffled, new Random(18));

    Map<String, String> inOrder;
    Map<String, String> inPieces;
    try (Processor processor = start("in-order")) {
      // each trace in one request, in the order made
      for (int n = 0; n < 5; n++) {
        assertThat(post(processor, spans.subList(n * 5, n * 5 + 5))).isEqualTo(200);
      }
      processor.flush();
      inOrder = check(processor, true);
      JsonNode task1 = get(processor, "/api/v1/traces/" + traceId(1));
      assertThat(task1.get("sharedTotal").decimalValue()).isEqualByComparingTo("0.00001");
      Map<String, String> lookups = new TreeMap<>();
      for (JsonNode span : task1.get("spans")) {
        if (span.get("name").asText().startsWith("embeddings")) {
          lookups.put(span.get("spanId").asText(),
              span.get("agent").asText() + " " + span.get("status").asText());
        }
      }
      // the researcher's lookup, the earlier in task-1, is billed and its row is the researcher's
      assertThat(lookups).containsExactly(
          Map.entry(spanId(1, 4), "planner shared_reuse"),
          Map.entry(spanId(1, 5), "researcher priced"));
    }
    try (Processor processor = start("in-pieces")) {
      // the same spans shuffled, in requests of 3 mixing the traces, rolled up part way through
      // (the traces rolled up then are amended by the rest)
      for (int i = 0; i < shuffled.size(); i += 3) {
        assertThat(post(processor, shuffled.subList(i, Math.min(i + 3, shuffled.size()))))
            .isEqualTo(200);
        if (i == 12) {
          processor.flush();
        }
      }
      processor.flush();
      // the cost counters are not checked here: they never go down, so a share an amended
      // rollup moves stays counted where the partial rollup put it
      inPieces = check(processor, false);
    }
    assertThat(inPieces).isEqualTo(inOrder);
  }

  /**
   * Two traces of one task (report-acme-1), in one request, each looking up the same resource:
   * each trace is rolled up on its own and bills the lookup once, so the task pays it twice. Each
   * trace: 0.00045 + 0.008 + 0.00001 = 0.00846, shared 0.00001; the task 2 x 0.00846 = 0.01692
   * over 6 billed spans (two chats and one lookup a trace); planner 2 x 0.000455 = 0.00091,
   * researcher 2 x 0.008005 = 0.01601.
   */
  @Test
  void twoTracesOfOneTaskEachBillTheirSharedResourceOnce() throws Exception {
    List<Span> spans = new ArrayList<>(workflow(10, "report-acme-1", -1));
    spans.addAll(workflow(11, "report-acme-1", 1));
    try (Processor processor = start("two-traces")) {
      assertThat(post(processor, spans)).isEqualTo(200);
      processor.flush();

      for (int n : new int[] {10, 11}) {
        JsonNode trace = get(processor, "/api/v1/traces/" + traceId(n));
        assertThat(trace.get("total").decimalValue()).isEqualByComparingTo("0.00846");
        assertThat(trace.get("sharedTotal").decimalValue()).isEqualByComparingTo("0.00001");
        List<String> lookups = new ArrayList<>();
        for (JsonNode span : trace.get("spans")) {
          if (span.get("name").asText().startsWith("embeddings")) {
            lookups.add(span.get("status").asText());
          }
        }
        assertThat(lookups).containsExactlyInAnyOrder("priced", "shared_reuse");
      }
      JsonNode task = get(processor, "/api/v1/costs?groupBy=task").get("rows");
      assertThat(task).hasSize(1);
      assertThat(task.get(0).get("key").asText()).isEqualTo("report-acme-1");
      assertThat(task.get(0).get("cost").decimalValue()).isEqualByComparingTo("0.01692");
      assertThat(task.get(0).get("spans").asLong()).isEqualTo(6);
      Map<String, BigDecimal> byAgent = new TreeMap<>();
      for (JsonNode row : get(processor, "/api/v1/costs?groupBy=agent&task=report-acme-1")
          .get("rows")) {
        byAgent.put(row.get("key").asText(), row.get("cost").decimalValue());
      }
      assertThat(byAgent).hasSize(2);
      assertThat(byAgent.get("planner")).isEqualByComparingTo("0.00091");
      assertThat(byAgent.get("researcher")).isEqualByComparingTo("0.01601");
    }
  }

  /**
   * Checks the hand-computed figures per agent in the API and /metrics (the cost counters when
   * {@code costCounters}); returns the API's rows.
   */
  private static Map<String, String> check(Processor processor, boolean costCounters)
      throws Exception {
    Map<String, String> rows = new TreeMap<>();
    for (JsonNode row : get(processor, "/api/v1/costs?groupBy=agent").get("rows")) {
      rows.put(row.get("key").asText(), row.get("cost").decimalValue().toPlainString()
          + " " + row.get("spans").asLong() + " spans " + row.get("inputTokens").asLong() + " in "
          + row.get("outputTokens").asLong() + " out");
    }
    assertThat(rows).containsExactly(
        Map.entry("planner", "0.002275 7 spans 6000 in 2500 out"),
        Map.entry("researcher", "0.040025 8 spans 11500 in 1500 out"));
    String metrics = metrics(processor);
    assertThat(tokens(metrics, "planner", "input")).isEqualTo(6_000);
    assertThat(tokens(metrics, "planner", "output")).isEqualTo(2_500);
    assertThat(tokens(metrics, "researcher", "input")).isEqualTo(11_500);
    assertThat(tokens(metrics, "researcher", "output")).isEqualTo(1_500);
    if (costCounters) {
      assertThat(cost(metrics, "planner")).isEqualByComparingTo("0.002275");
      assertThat(cost(metrics, "researcher")).isEqualByComparingTo("0.040025");
    }
    return rows;
  }

  /**
   * The spans of trace {@code n} (root first) in task {@code task}: a root, the planner's and the
   * researcher's calls and their lookups. {@code researcherLookup} says when the researcher's
   * lookup starts against the planner's: -1 after it, 1 before it, 0 on the same nanosecond.
   */
  static List<Span> workflow(int n, String task, int researcherLookup) {
    long start = DAY + n * 1_000 * MS;
    ByteString trace = ByteString.copyFrom(HexFormat.of().parseHex(traceId(n)));
    ByteString root = id(n, 1);
    List<Span> spans = new ArrayList<>();
    spans.add(Span.newBuilder().setTraceId(trace).setSpanId(root).setName("POST /reports")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 900 * MS)
        .addAttributes(str("agentmeter.task.id", task))
        .addAttributes(str("agentmeter.client.id", "acme")).build());
    spans.add(call(trace, id(n, 2), root, "planner", "chat", "gpt-4o-mini", start + 200 * MS,
        1_000, 500, null));
    spans.add(call(trace, id(n, 3), root, "researcher", "chat", "gpt-4o", start + 300 * MS,
        2_000, 300, null));
    long plannerLookup = start + 100 * MS;
    String resource = "vectors:q=topic-" + n;
    // the researcher's lookup has the larger span id, but for the tie the smaller
    spans.add(call(trace, id(n, 4), root, "planner", "embeddings", "text-embedding-3-small",
        plannerLookup, 500, 0, resource));
    spans.add(call(trace, researcherLookup == 0 ? id(n, 0) : id(n, 5), root, "researcher",
        "embeddings", "text-embedding-3-small", plannerLookup - researcherLookup * 10 * MS, 500, 0,
        resource));
    return spans;
  }

  static Span call(ByteString trace, ByteString id, ByteString parent, String agent,
      String operation, String model, long start, long input, long output,
      String sharedResource) {
    Span.Builder span = Span.newBuilder().setTraceId(trace).setSpanId(id).setParentSpanId(parent)
        .setName(operation + " " + model).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 50 * MS)
        .addAttributes(str("gen_ai.operation.name", operation))
        .addAttributes(str("gen_ai.provider.name", "openai"))
        .addAttributes(str("gen_ai.request.model", model))
        .addAttributes(str("gen_ai.agent.name", agent))
        .addAttributes(num("gen_ai.usage.input_tokens", input));
    if (output > 0) {
      span.addAttributes(num("gen_ai.usage.output_tokens", output));
    }
    if (sharedResource != null) {
      span.addAttributes(str("agentmeter.shared.resource", sharedResource));
    }
    return span.build();
  }

  static String traceId(int n) {
    return String.format("5ba7ed18000000000000000000%06x", n + 1);
  }

  /** The hex span id {@code i} of trace {@code n}. */
  static String spanId(int n, int i) {
    return String.format("00000%05x%06x", n + 1, i + 1);
  }

  private static ByteString id(int n, int i) {
    return ByteString.copyFrom(HexFormat.of().parseHex(spanId(n, i)));
  }

  private Processor start(String name) throws Exception {
    return Processor.builder()
        .setLedger(dir.resolve(name + ".db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMinutes(5)).setTraceIdleTimeout(Duration.ofMinutes(5))
        .start();
  }

  static int post(Processor processor, List<Span> spans) throws Exception {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(str("service.name", "reports")))
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans)))
        .build();
    return HTTP.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static JsonNode get(Processor processor, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + processor.apiPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** {@code /metrics} as a second scrape reads it (the first shows new series at 0). */
  static String metrics(Processor processor) throws Exception {
    return Loopback.metrics(processor.apiPort());
  }

  /**
   * The sum of an agent's {@code agentmeter_tokens_total} series of one kind for client acme (a
   * rollup of a trace whose root had not come yet counted its spans' tokens under client
   * unattributed, and counters never go down).
   */
  private static long tokens(String metrics, String agent, String kind) {
    Matcher m = Pattern.compile("(?m)^agentmeter_tokens_total\\{agent=\"" + agent
        + "\",client=\"acme\",kind=\"" + kind + "\"[^}]*\\} (\\S+)$").matcher(metrics);
    long sum = 0;
    while (m.find()) {
      sum += (long) Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** The sum of an agent's {@code agentmeter_cost_total} series. */
  static BigDecimal cost(String metrics, String agent) {
    Matcher m = Pattern.compile("(?m)^agentmeter_cost_total\\{agent=\"" + agent
        + "\",[^}]*\\} (\\S+)$").matcher(metrics);
    BigDecimal sum = BigDecimal.ZERO;
    while (m.find()) {
      sum = sum.add(new BigDecimal(m.group(1)));
    }
    return sum;
  }

  static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }
}
