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
