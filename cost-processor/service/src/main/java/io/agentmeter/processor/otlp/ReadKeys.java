package io.agentmeter.processor.otlp;

import io.agentmeter.cost.pricing.SpanFacts;
import io.agentmeter.semconv.AgentMeterAttributes;
import io.agentmeter.semconv.GenAiAttributes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Which attributes the reader decodes, the strings it shares, and the token-count keys it checks. */
final class ReadKeys {

  private ReadKeys() {}

  /**
   * The span attribute namespaces the cost engine reads (GenAI semantic conventions, OpenLLMetry and
   * OpenInference names, ours, the provider-specific service tier, the error type, the resend
   * count and OpenLLMetry's association properties). A span's other attributes (HTTP, server, messaging...) stay in its stored bytes and are
   * forwarded, but are not decoded nor held while its trace is assembled.
   */
  private static final String[] READ_PREFIXES = {"gen_ai.", "agentmeter.", "llm.", "openai.",
      "openinference.", "error.", "http.request.resend_count",
      AgentMeterAttributes.TRACELOOP_ASSOCIATION_PREFIX};
  private static final byte[][] READ_PREFIX_BYTES = Arrays.stream(READ_PREFIXES)
      .map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);

  static boolean read(byte[] buf, int key, int length) {
    for (byte[] prefix : READ_PREFIX_BYTES) {
      if (length >= prefix.length
          && Arrays.equals(buf, key, key + prefix.length, prefix, 0, prefix.length)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Attribute keys, and the values of keys that take few distinct values, as one shared string
   * each: spans wait in open traces for a while, and thousands of copies of "gen_ai.request.model"
   * or "gpt-4o" would be copied by every young collection. Bounded: past the bound, strings are
   * kept as decoded.
   */
  private static final ConcurrentHashMap<String, String> CANONICAL = new ConcurrentHashMap<>();
  private static final int MAX_CANONICAL = 16_384;
  static final Set<String> FEW_VALUES = Set.of(
      "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model",
      "gen_ai.response.model", "gen_ai.agent.name", "agentmeter.client.id",
      "agentmeter.shared.resource", "agentmeter.baggage.agent.name", "agentmeter.baggage.client.id",
      "openai.response.service_tier", "openai.request.service_tier", "error.type");

  static String canonical(String text) {
    String shared = CANONICAL.get(text);
    if (shared != null) {
      return shared;
    }
    if (CANONICAL.size() < MAX_CANONICAL) {
      shared = CANONICAL.putIfAbsent(text, text);
    }
    return shared != null ? shared : text;
  }

  /** Every spelling of a token count, in the order their problems are reported (first one wins). */
  static final List<String> USAGE_KEYS = usageKeys();
  static final Map<String, Integer> USAGE_INDEX = usageIndex();

  private static List<String> usageKeys() {
    List<String> keys = new ArrayList<>();
    keys.addAll(GenAiAttributes.USAGE_INPUT_TOKENS_READ);
    keys.addAll(GenAiAttributes.USAGE_OUTPUT_TOKENS_READ);
    keys.addAll(GenAiAttributes.USAGE_CACHE_READ_READ);
    keys.addAll(GenAiAttributes.USAGE_CACHE_CREATION_READ);
    keys.addAll(GenAiAttributes.USAGE_REASONING_READ);
    return List.copyOf(keys);
  }

  private static Map<String, Integer> usageIndex() {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < USAGE_KEYS.size(); i++) {
      index.putIfAbsent(USAGE_KEYS.get(i), i);
    }
    return Map.copyOf(index);
  }

  /**
   * A quick check of a token count for the sender's benefit; the cost engine's full reading decides
   * the span's status and reason when its trace is rolled up.
   */
  static String usageProblem(String key, Object value) {
    if (!(value instanceof Long count)) {
      String type = value instanceof String ? "string" : value instanceof Double ? "double"
          : value instanceof Boolean ? "boolean" : "array";
      return key + " must be an integer, got " + type + " "
          + (value instanceof String ? "'" + value + "'" : String.valueOf(value));
    }
    if (count < 0 || count > SpanFacts.MAX_TOKENS) {
      return key + " = " + count + " is outside 0.." + SpanFacts.MAX_TOKENS;
    }
    return null;
  }
}
