package io.agentmeter.cost.benchmarks.load;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/**
 * The load's export requests, built with the protobuf message builders: traces of {@value
 * #SPANS_PER_TRACE} spans in the shape of a {@link Profile}, numbered from a first trace. What
 * depends on a trace's number (its id, its spans' ids, the root's client and task, the LLM calls'
 * response ids) has a fixed width, so that {@link Requests} can patch one encoded template.
 */
final class Traces {

  static final int SPANS_PER_TRACE = 10;

  private static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "gemini-2.5-flash"};

  private Traces() {}

  /**
   * {@code traces} traces of {@code profile}'s shape, numbered from {@code firstTrace}; trace ids
   * scattered over the key space as real ones are, or ({@code randomIds} false) increasing.
   */
  static ExportTraceServiceRequest request(Profile profile, long firstTrace, int traces,
      long startMillis, boolean randomIds) {
    Resource.Builder resource = Resource.newBuilder()
        .addAttributes(str("service.name", "research-service"))
        .addAttributes(str("gen_ai.agent.name", "researcher"))
        .addAttributes(str("telemetry.sdk.language", "java"));
    if (profile == Profile.mixed) {
      resource.addAttributes(str("service.version", "1.4.2"))
          .addAttributes(str("deployment.environment.name", "production"))
          .addAttributes(str("host.name", "research-7f9c4d-x2k8p"))
          .addAttributes(str("process.runtime.name", "OpenJDK Runtime Environment"))
          .addAttributes(str("process.runtime.version", "17.0.15+6"))
          .addAttributes(str("telemetry.sdk.name", "opentelemetry"))
          .addAttributes(str("telemetry.sdk.version", "1.56.0"));
    }
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int t = 0; t < traces; t++) {
      long n = firstTrace + t;
      ByteString traceId = ByteString.copyFrom(
          ByteBuffer.allocate(16).putLong(firstHalf(n, randomIds)).putLong(n + 1).array());
      long start = startMillis * 1_000_000L;
      if (profile == Profile.llm) {
        llmTrace(scope, traceId, n, start);
      } else {
        mixedTrace(scope, traceId, n, start);
      }
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
        .build();
  }

  /** A root and 9 LLM calls. */
  private static void llmTrace(ScopeSpans.Builder scope, ByteString traceId, long n, long start) {
    scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(id(n, 0)).setName("POST /research")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 5_000_000)
        .addAttributes(str("agentmeter.client.id", "client-" + (n % 7)))
        .addAttributes(str("agentmeter.task.id", String.format(Locale.ROOT, "task-%019d", n)))
        .addAttributes(str("http.request.method", "POST")));
    for (int i = 1; i < SPANS_PER_TRACE; i++) {
      scope.addSpans(chat(traceId, n, i, start));
    }
  }

  /**
   * A root (the HTTP server span), a vector search tool and its HTTP call, a database query, an
   * HTTP call to a public API, one LLM call, a database insert, a page-fetching tool and its HTTP
   * call, a cache write.
   */
  private static void mixedTrace(ScopeSpans.Builder scope, ByteString traceId, long n, long start) {
    scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(id(n, 0)).setName("POST /research")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 5_000_000)
        .addAttributes(str("agentmeter.client.id", "client-" + (n % 7)))
        .addAttributes(str("agentmeter.task.id", String.format(Locale.ROOT, "task-%019d", n)))
        .addAllAttributes(HTTP_SERVER));
    scope.addSpans(child(traceId, n, 1, 0, "execute_tool vector_search", Span.SpanKind.SPAN_KIND_INTERNAL,
        start).addAllAttributes(tool("vector_search", "Searches the research corpus by meaning",
            "ResearchTools.vectorSearch", 112)));
    scope.addSpans(child(traceId, n, 2, 1, "POST", Span.SpanKind.SPAN_KIND_CLIENT, start)
        .addAllAttributes(httpClient("POST", "https", "vectors.internal.example", 443,
            "/v1/collections/papers/query", "10.0.3.21", 914, 18_211)));
    scope.addSpans(child(traceId, n, 3, 0, "SELECT research.papers", Span.SpanKind.SPAN_KIND_CLIENT, start)
        .addAllAttributes(database("postgresql", "research", "papers", "SELECT",
            "SELECT id, title, abstract, published FROM papers WHERE id = ANY($1)", 8,
            "PaperRepository.findAll", 57)));
    scope.addSpans(child(traceId, n, 4, 0, "GET", Span.SpanKind.SPAN_KIND_CLIENT, start)
        .addAllAttributes(httpClient("GET", "https", "api.crossref.example", 443,
            "/works?query=multi-agent+cost&rows=5", "10.0.9.4", 0, 41_377)));
    scope.addSpans(chat(traceId, n, 5, start));
    scope.addSpans(child(traceId, n, 6, 0, "INSERT research.notes", Span.SpanKind.SPAN_KIND_CLIENT, start)
        .addAllAttributes(database("postgresql", "research", "notes", "INSERT",
            "INSERT INTO notes (task_id, author, body, created) VALUES ($1, $2, $3, now())", 1,
            "NoteRepository.save", 88)));
    scope.addSpans(child(traceId, n, 7, 0, "execute_tool fetch_page", Span.SpanKind.SPAN_KIND_INTERNAL,
        start).addAllAttributes(tool("fetch_page", "Fetches a web page as text",
            "ResearchTools.fetchPage", 140)));
    scope.addSpans(child(traceId, n, 8, 7, "GET", Span.SpanKind.SPAN_KIND_CLIENT, start)
        .addAllAttributes(httpClient("GET", "https", "www.example.org", 443,
            "/papers/2411.01234/full-text", "10.0.12.7", 0, 96_512)));
    scope.addSpans(child(traceId, n, 9, 0, "SET", Span.SpanKind.SPAN_KIND_CLIENT, start)
        .addAllAttributes(database("redis", "0", "research:summary", "SET",
            "SET research:summary:? ? EX 3600", 0, "SummaryCache.put", 31)));
  }

  /** LLM call {@code i} of trace {@code n}, a child of the root, over four models and three agents. */
  private static Span.Builder chat(ByteString traceId, long n, int i, long start) {
    String model = MODELS[i % MODELS.length];
    return Span.newBuilder().setTraceId(traceId).setSpanId(id(n, i)).setParentSpanId(id(n, 0))
        .setName("chat " + model).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(start + i * 1000L).setEndTimeUnixNano(start + 4_000_000)
        .addAttributes(str("gen_ai.operation.name", "chat"))
        .addAttributes(str("gen_ai.provider.name", model.startsWith("gpt") ? "openai"
            : model.startsWith("claude") ? "anthropic" : "gcp.gemini"))
        .addAttributes(str("gen_ai.request.model", model))
        .addAttributes(str("gen_ai.response.model", model))
        .addAttributes(str("gen_ai.agent.name", "agent-" + (i % 3)))
        .addAttributes(num("gen_ai.usage.input_tokens", 1200 + i))
        .addAttributes(num("gen_ai.usage.output_tokens", 300 + i))
        .addAttributes(num("gen_ai.usage.cache_read.input_tokens", 400))
        .addAttributes(str("gen_ai.response.id", responseId(n, i)))
        .addAttributes(str("server.address", "api.example.com"))
        .addAttributes(num("server.port", 443));
  }

  /** The response id of LLM call {@code i} of trace {@code n} (fixed width). */
  static String responseId(long n, int i) {
    return String.format(Locale.ROOT, "chatcmpl-%019d-%d", n, i);
  }

  private static Span.Builder child(ByteString traceId, long n, int i, int parent, String name,
      Span.SpanKind kind, long start) {
    long begin = start + i * 400_000L;
    return Span.newBuilder().setTraceId(traceId).setSpanId(id(n, i)).setParentSpanId(id(n, parent))
        .setName(name).setKind(kind).setStartTimeUnixNano(begin)
        .setEndTimeUnixNano(begin + 150_000L + i * 20_000L);
  }

  /** The root's attributes besides client and task: 16, so 18 in all. */
  private static final List<KeyValue> HTTP_SERVER = List.of(
      str("http.request.method", "POST"),
      str("http.route", "/research"),
      str("url.path", "/research"),
      str("url.scheme", "https"),
      num("http.response.status_code", 200),
      str("server.address", "research.internal.example"),
      num("server.port", 8080),
      str("client.address", "10.0.4.17"),
      str("network.peer.address", "10.0.4.17"),
      num("network.peer.port", 51_234),
      str("network.protocol.version", "1.1"),
      str("user_agent.original", "Mozilla/5.0 (compatible; research-portal/2.3)"),
      num("http.request.body.size", 812),
      num("http.response.body.size", 4_096),
      str("thread.name", "http-nio-8080-exec-4"),
      num("thread.id", 41));

  /** An HTTP client call: 17 attributes. */
  private static List<KeyValue> httpClient(String method, String scheme, String host, int port,
      String target, String peer, long requestBytes, long responseBytes) {
    return List.of(
        str("http.request.method", method),
        str("url.full", scheme + "://" + host + target),
        str("url.scheme", scheme),
        str("server.address", host),
        num("server.port", port),
        str("network.peer.address", peer),
        num("network.peer.port", port),
        str("network.protocol.name", "http"),
        str("network.protocol.version", "1.1"),
        num("http.response.status_code", 200),
        num("http.request.body.size", requestBytes),
        num("http.response.body.size", responseBytes),
        num("http.request.resend_count", 0),
        str("user_agent.original", "Java-http-client/17.0.15"),
        KeyValue.newBuilder().setKey("http.request.header.accept").setValue(AnyValue.newBuilder()
            .setArrayValue(ArrayValue.newBuilder()
                .addValues(AnyValue.newBuilder().setStringValue("application/json"))
                .addValues(AnyValue.newBuilder().setStringValue("text/plain")))).build(),
        str("thread.name", "research-worker-2"),
        num("thread.id", 57));
  }

  /** A database call: 16 attributes. */
  private static List<KeyValue> database(String system, String namespace, String collection,
      String operation, String query, long rows, String function, int line) {
    boolean redis = system.equals("redis");
    return List.of(
        str("db.system.name", system),
        str("db.namespace", namespace),
        str("db.collection.name", collection),
        str("db.operation.name", operation),
        str("db.query.text", query),
        str("db.query.summary", operation + " " + collection),
        num("db.response.returned_rows", rows),
        str("server.address", redis ? "cache.internal.example" : "db.internal.example"),
        num("server.port", redis ? 6379 : 5432),
        str("network.peer.address", redis ? "10.0.7.3" : "10.0.6.2"),
        num("network.peer.port", redis ? 6379 : 5432),
        str("db.client.connection.pool.name", redis ? "lettuce-1" : "HikariPool-1"),
        str("code.function.name", "io.example.research." + function),
        num("code.line.number", line),
        str("thread.name", "research-worker-2"),
        num("thread.id", 57));
  }

  /** A tool call that the catalogue does not price: 15 attributes. */
  private static List<KeyValue> tool(String name, String description, String function, int line) {
    return List.of(
        str("gen_ai.operation.name", "execute_tool"),
        str("gen_ai.tool.name", name),
        str("gen_ai.tool.type", "function"),
        str("gen_ai.tool.call.id", "call_" + name),
        str("gen_ai.tool.description", description),
        str("gen_ai.agent.name", "researcher"),
        str("code.function.name", "io.example.research." + function),
        str("code.file.path", "io/example/research/ResearchTools.java"),
        num("code.line.number", line),
        num("tool.input.size", 212),
        num("tool.output.size", 2_048),
        str("tool.outcome", "ok"),
        bool("tool.cached", false),
        str("thread.name", "research-worker-2"),
        num("thread.id", 57));
  }

  /**
   * The first half of trace {@code n}'s id: scattered as real trace ids are (they are random), so
   * that the ledger's indexes see inserts all over the key range, not only appends at one end; or
   * one constant, so that ids increase.
   */
  static long firstHalf(long n, boolean random) {
    if (!random) {
      return 0x5af92f3577b34da6L;
    }
    long z = n * 0x9E3779B97F4A7C15L + 0x5af92f3577b34da6L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The id of span {@code i} (0 is the root) of trace {@code n}, as a long. */
  static long spanId(long n, int i) {
    return (n << 8) | (i + 1);
  }

  private static ByteString id(long trace, int i) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(spanId(trace, i)).array());
  }

  private static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  private static KeyValue bool(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }
}
