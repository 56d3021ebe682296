package io.agentmeter.cost.demo;

import io.agentmeter.cost.data.SpanRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A "research report" trace as a multi-agent system emits it, with every case the engine must get
 * right: an agent span carrying aggregate usage, a framework span wrapping the SDK span of the same
 * call, a vector lookup shared by two agents, a call retried after a 429, prompt-cache reads and
 * writes, and a model the catalogue does not know.
 */
final class SampleTrace {

  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final long T0 = 1_795_000_000_000_000_000L; // 2026-11-18T11:06:40Z

  private SampleTrace() {}

  static List<SpanRecord> spans() {
    List<SpanRecord> spans = new ArrayList<>();
    Map<String, Object> orchestrator = Map.of("service.name", "orchestrator");
    Map<String, Object> research = Map.of("service.name", "research", "gen_ai.agent.name", "researcher");
    spans.add(span("a000000000000001", null, "POST /reports", 0, orchestrator,
        "agentmeter.task.id", "report-7", "agentmeter.client.id", "acme-corp"));
    spans.add(span("a000000000000002", "a000000000000001", "invoke_agent planner", 1, orchestrator,
        "gen_ai.operation.name", "invoke_agent", "gen_ai.agent.name", "planner",
        "gen_ai.usage.input_tokens", 2_400L, "gen_ai.usage.output_tokens", 300L));
    spans.add(span("a000000000000003", "a000000000000002", "chat gpt-4o-mini", 2, orchestrator,
        "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
        "gen_ai.request.model", "gpt-4o-mini",
        "gen_ai.usage.input_tokens", 2_400L, "gen_ai.usage.output_tokens", 300L));
    // The research service: its resource names the agent; a framework span wraps the SDK span.
    spans.add(span("b000000000000001", "a000000000000001", "POST /research", 3, research));
    spans.add(span("b000000000000002", "b000000000000001", "langchain4j chat", 4, research,
        "gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o",
        "gen_ai.usage.input_tokens", 12_000L, "gen_ai.usage.output_tokens", 1_500L));
    spans.add(span("b000000000000003", "b000000000000002", "chat gpt-4o", 5, research,
        "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
        "gen_ai.request.model", "gpt-4o",
        "gen_ai.usage.input_tokens", 12_000L, "gen_ai.usage.output_tokens", 1_500L,
        "gen_ai.usage.cache_read.input_tokens", 8_000L));
    spans.add(span("b000000000000004", "b000000000000001", "execute_tool vector_search", 6, research,
        "gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", "vector_search",
        "agentmeter.shared.resource", "vectors:eu-tariffs-2026"));
    // The writer: a 429, then the retry, with a prompt-cache write.
    spans.add(span("a000000000000004", "a000000000000001", "invoke_agent writer", 7, orchestrator,
        "gen_ai.operation.name", "invoke_agent", "gen_ai.agent.name", "writer"));
    spans.add(span("a000000000000005", "a000000000000004", "execute_tool vector_search", 8,
        orchestrator, "gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", "vector_search",
        "agentmeter.shared.resource", "vectors:eu-tariffs-2026"));
    SpanRecord failed = span("a000000000000006", "a000000000000004", "chat claude-sonnet-4-5", 9,
        orchestrator, "gen_ai.operation.name", "chat", "gen_ai.provider.name", "anthropic",
        "gen_ai.request.model", "claude-sonnet-4-5", "error.type", "429");
    spans.add(new SpanRecord(failed.traceId(), failed.spanId(), failed.parentSpanId(), failed.name(),
        failed.startEpochNanos(), failed.endEpochNanos(), true, failed.attributes(), failed.resource()));
    spans.add(span("a000000000000007", "a000000000000004", "chat claude-sonnet-4-5", 10, orchestrator,
        "gen_ai.operation.name", "chat", "gen_ai.provider.name", "anthropic",
        "gen_ai.request.model", "claude-sonnet-4-5",
        "gen_ai.usage.input_tokens", 9_000L, "gen_ai.usage.output_tokens", 1_200L,
        "gen_ai.usage.cache_creation.input_tokens", 6_000L));
    // The reviewer runs on a model no catalogue knows.
    spans.add(span("a000000000000008", "a000000000000001", "invoke_agent reviewer", 11, orchestrator,
        "gen_ai.operation.name", "invoke_agent", "gen_ai.agent.name", "reviewer"));
    spans.add(span("a000000000000009", "a000000000000008", "chat acme-reviewer-7b", 12, orchestrator,
        "gen_ai.operation.name", "chat", "gen_ai.request.model", "acme-reviewer-7b",
        "gen_ai.usage.input_tokens", 3_000L, "gen_ai.usage.output_tokens", 200L));
    // An exporter retry delivers two spans again.
    spans.add(spans.get(2));
    spans.add(spans.get(10));
    return spans;
  }

  private static SpanRecord span(String id, String parent, String name, int second,
      Map<String, Object> resource, Object... attributes) {
    Map<String, Object> attrs = new HashMap<>();
    for (int i = 0; i < attributes.length; i += 2) {
      attrs.put((String) attributes[i], attributes[i + 1]);
    }
    long start = T0 + second * 1_000_000_000L;
    return new SpanRecord(TRACE_ID, id, parent, name, start, start + 800_000_000L, false,
        Map.copyOf(attrs), resource);
  }
}
