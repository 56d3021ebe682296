package io.agentmeter.cost.benchmarks;

import io.agentmeter.cost.data.SpanRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Spans shaped like what the javaagent extension emits. */
final class Spans {

  static final long START = 1_795_000_000_000_000_000L;
  private static final Map<String, Object> RESOURCE =
      Map.of("service.name", "research", "service.version", "1.4.2", "host.name", "node-7",
          "telemetry.sdk.language", "java", "gen_ai.agent.name", "researcher");

  private Spans() {}

  /** A chat span with cache and reasoning usage and the usual HTTP/SDK attributes. */
  static SpanRecord chat(String traceId, String spanId, String parent, String model) {
    Map<String, Object> a = new HashMap<>();
    a.put("gen_ai.operation.name", "chat");
    a.put("gen_ai.provider.name", "openai");
    a.put("gen_ai.request.model", model);
    a.put("gen_ai.response.model", model);
    a.put("gen_ai.response.id", "chatcmpl-" + spanId);
    a.put("gen_ai.usage.input_tokens", 12_000L);
    a.put("gen_ai.usage.output_tokens", 900L);
    a.put("gen_ai.usage.cache_read.input_tokens", 8_000L);
    a.put("gen_ai.usage.reasoning.output_tokens", 300L);
    a.put("server.address", "api.example.invalid");
    a.put("server.port", 443L);
    a.put("openai.response.service_tier", "default");
    return new SpanRecord(traceId, spanId, parent, "chat " + model, START, START + 900_000_000L,
        false, a, RESOURCE);
  }

  /**
   * A trace as the service's {@code load} command sends it and its receiver holds it: a root and 9
   * chat calls over four models and three agents, attributes (only the keys the engine reads) in
   * {@code Map.copyOf} maps.
   */
  static List<SpanRecord> loadTrace(String traceId) {
    Map<String, Object> resource = Map.copyOf(Map.of("service.name", "research-service",
        "gen_ai.agent.name", "researcher", "telemetry.sdk.language", "java"));
    String[] models = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "gemini-2.5-flash"};
    String root = "0000000000000100";
    List<SpanRecord> spans = new ArrayList<>();
    spans.add(new SpanRecord(traceId, root, null, "POST /research", START, START + 5_000_000L,
        false, Map.copyOf(Map.of("agentmeter.client.id", "client-3",
            "agentmeter.task.id", "task-0000000000000000003")), resource));
    for (int i = 1; i < 10; i++) {
      String model = models[i % models.length];
      Map<String, Object> a = new HashMap<>();
      a.put("gen_ai.operation.name", "chat");
      a.put("gen_ai.provider.name", model.startsWith("gpt") ? "openai"
          : model.startsWith("claude") ? "anthropic" : "gcp.gemini");
      a.put("gen_ai.request.model", model);
      a.put("gen_ai.response.model", model);
      a.put("gen_ai.agent.name", "agent-" + (i % 3));
      a.put("gen_ai.usage.input_tokens", 1200L + i);
      a.put("gen_ai.usage.output_tokens", 300L + i);
      a.put("gen_ai.usage.cache_read.input_tokens", 400L);
      a.put("gen_ai.response.id", "chatcmpl-0000000000000000003-" + i);
      spans.add(new SpanRecord(traceId, String.format("%016x", 0x100 + i), root, "chat " + model,
          START + i * 1000L, START + 4_000_000L, false, Map.copyOf(a), resource));
    }
    return spans;
  }

  /** A trace of {@code agents} agents, each with an HTTP span and two model calls. */
  static List<SpanRecord> trace(String traceId, int agents) {
    List<SpanRecord> spans = new ArrayList<>();
    spans.add(new SpanRecord(traceId, "0000000000000001", null, "POST /reports", START,
        START + 60_000_000_000L, false,
        Map.of("http.request.method", "POST", "agentmeter.task.id", "task-1",
            "agentmeter.client.id", "acme"), RESOURCE));
    for (int i = 0; i < agents; i++) {
      String agentId = String.format("%016x", 0x100 + i);
      spans.add(new SpanRecord(traceId, agentId, "0000000000000001", "invoke_agent a" + i, START,
          START + 1, false, Map.of("gen_ai.operation.name", "invoke_agent",
              "gen_ai.agent.name", "agent-" + i), RESOURCE));
      spans.add(new SpanRecord(traceId, String.format("%016x", 0x200 + i), agentId, "GET /docs",
          START, START + 1, false, Map.of("http.request.method", "GET",
              "http.response.status_code", 200L), RESOURCE));
      spans.add(chat(traceId, String.format("%016x", 0x300 + i), agentId, "gpt-4o"));
      spans.add(chat(traceId, String.format("%016x", 0x400 + i), agentId, "claude-sonnet-4-5"));
    }
    return spans;
  }
}
