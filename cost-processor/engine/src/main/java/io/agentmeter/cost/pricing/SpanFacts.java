package io.agentmeter.cost.pricing;

import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.semconv.AgentMeterAttributes;
import io.agentmeter.semconv.GenAiAttributes;
import io.agentmeter.semconv.GenAiAttributes.OperationNameValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What the cost engine needs from one span, read once from its attributes: category, models,
 * usage, attribution and the problems found while reading.
 *
 * @param category what the span is, for billing
 * @param operation the {@code gen_ai.operation.name}, or {@code null}
 * @param provider the provider, or {@code null}
 * @param requestModel the model asked for, or {@code null}
 * @param responseModel the model that served the call, or {@code null}
 * @param toolName the tool of an {@code execute_tool} span, or {@code null}
 * @param usage the reported token counts
 * @param serviceTier the served tier in lower case, or {@code null}
 * @param agent the span's own agent name, or {@code null}
 * @param task the span's own task id, or {@code null}
 * @param client the span's own client id, or {@code null}
 * @param resourceAgent the agent name on the span's resource, or {@code null}
 * @param resourceTask the task id on the span's resource, or {@code null}
 * @param resourceClient the client id on the span's resource, or {@code null}
 * @param baggageAgent the agent name received in baggage, else OpenLLMetry's association property
 *     {@code agent}, or {@code null}
 * @param baggageTask the task id received in baggage, else the association property {@code task},
 *     or {@code null}
 * @param baggageClient the client id received in baggage, else the association property {@code
 *     client}, or {@code null}
 * @param sharedResource the shared resource key, or {@code null}
 * @param retryAttempt the attempt number (0 for a first attempt)
 * @param error whether the span failed
 * @param usageProblems model and usage values that could not be used: the span cannot be priced
 * @param problems other attribute values that could not be used, each with its reason
 * @param attributes the span's attributes, for fee counts
 */
public record SpanFacts(
    SpanCategory category,
    @Nullable String operation,
    @Nullable String provider,
    @Nullable String requestModel,
    @Nullable String responseModel,
    @Nullable String toolName,
    TokenUsage usage,
    @Nullable String serviceTier,
    @Nullable String agent,
    @Nullable String task,
    @Nullable String client,
    @Nullable String resourceAgent,
    @Nullable String resourceTask,
    @Nullable String resourceClient,
    @Nullable String baggageAgent,
    @Nullable String baggageTask,
    @Nullable String baggageClient,
    @Nullable String sharedResource,
    long retryAttempt,
    boolean error,
    List<String> usageProblems,
    List<String> problems,
    Map<String, Object> attributes) {

  /**
   * A token count above this is rejected as absurd: no model takes or emits a billion tokens in one
   * call.
   */
  public static final long MAX_TOKENS = 1_000_000_000L;

  private static final String AGENT_NAME = GenAiAttributes.AGENT_NAME.getKey();
  private static final String TASK_ID = AgentMeterAttributes.TASK_ID.getKey();
  private static final String CLIENT_ID = AgentMeterAttributes.CLIENT_ID.getKey();
  /** What {@link Map#getOrDefault} returns for a key the span does not carry. */
  private static final Object ABSENT = new Object();
  /**
   * The attribute key of each tool-call fee name, made once: fee names come from the catalogue, so
   * few; the bound only guards against a caller passing names of its own.
   */
  private static final ConcurrentHashMap<String, String> TOOL_CALL_KEYS =
      new ConcurrentHashMap<>();
  private static final int MAX_TOOL_CALL_KEYS = 1_024;

  // Keys most spans lack, in groups: a span whose keys hold none of a group's is not asked for its
  // spellings one by one (one pass over a span's few keys instead of a lookup per spelling).
  private static final long CACHE_WRITE = 1;
  private static final long REASONING = 1 << 1;
  private static final long MODALITY = 1 << 2;
  private static final long TOOL = 1 << 3;
  private static final long TIER = 1 << 4;
  private static final long RETRY = 1 << 5;
  private static final long TASK = 1 << 6;
  private static final long CLIENT = 1 << 7;
  private static final long BAGGAGE = 1 << 8;
  private static final long SHARED = 1 << 9;
  private static final long ALL_GROUPS = -1L;
  /** Spans with more attributes than this are not scanned: every group is looked up. */
  private static final int MAX_SCANNED = 32;
  private static final Map<String, Long> GROUPS = groups();

  private static Map<String, Long> groups() {
    Map<String, Long> groups = new java.util.HashMap<>();
    GenAiAttributes.USAGE_CACHE_CREATION_READ.forEach(k -> groups.put(k, CACHE_WRITE));
    groups.put(AgentMeterAttributes.USAGE_CACHE_CREATION_1H_INPUT_TOKENS.getKey(), CACHE_WRITE);
    GenAiAttributes.USAGE_REASONING_READ.forEach(k -> groups.put(k, REASONING));
    groups.put(GenAiAttributes.USAGE_AUDIO_INPUT_TOKENS.getKey(), MODALITY);
    groups.put(GenAiAttributes.USAGE_AUDIO_OUTPUT_TOKENS.getKey(), MODALITY);
    groups.put(GenAiAttributes.USAGE_IMAGE_INPUT_TOKENS.getKey(), MODALITY);
    groups.put(GenAiAttributes.USAGE_IMAGE_OUTPUT_TOKENS.getKey(), MODALITY);
    groups.put(GenAiAttributes.TOOL_NAME.getKey(), TOOL);
    GenAiAttributes.SERVICE_TIER_READ.forEach(k -> groups.put(k, TIER));
    groups.put(GenAiAttributes.HTTP_REQUEST_RESEND_COUNT.getKey(), RETRY);
    groups.put(AgentMeterAttributes.RETRY_ATTEMPT.getKey(), RETRY);
    groups.put(TASK_ID, TASK);
    groups.put(CLIENT_ID, CLIENT);
    AgentMeterAttributes.BAGGAGE_AGENT_NAME_READ.forEach(k -> groups.put(k, BAGGAGE));
    AgentMeterAttributes.BAGGAGE_TASK_ID_READ.forEach(k -> groups.put(k, BAGGAGE));
    AgentMeterAttributes.BAGGAGE_CLIENT_ID_READ.forEach(k -> groups.put(k, BAGGAGE));
    groups.put(AgentMeterAttributes.SHARED_RESOURCE.getKey(), SHARED);
    return Map.copyOf(groups);
  }

  /** The groups some key of {@code a} belongs to. */
  private static long groupsPresent(Map<String, Object> a) {
    long present = 0;
    for (String key : a.keySet()) {
      Long group = GROUPS.get(key);
      if (group != null) {
        present |= group;
      }
    }
    return present;
  }

  /** Reads a span. Never throws: problems are collected in {@link #problems()}. */
  public static SpanFacts read(SpanRecord span) {
    Map<String, Object> a = span.attributes();
    Map<String, Object> r = span.resource();
    List<String> problems = new ArrayList<>(0);
    List<String> usageProblems = new ArrayList<>(0);
    long present = a.size() <= MAX_SCANNED ? groupsPresent(a) : ALL_GROUPS;
    String operation = string(a, GenAiAttributes.OPERATION_NAME.getKey(), problems);
    String provider = firstString(a, GenAiAttributes.PROVIDER_NAME_READ, problems);
    String requestModel = firstString(a, GenAiAttributes.REQUEST_MODEL_READ, usageProblems);
    String responseModel = firstString(a, GenAiAttributes.RESPONSE_MODEL_READ, usageProblems);
    TokenUsage usage =
        new TokenUsage(
            tokens(a, GenAiAttributes.USAGE_INPUT_TOKENS_READ, usageProblems),
            tokens(a, GenAiAttributes.USAGE_OUTPUT_TOKENS_READ, usageProblems),
            tokens(a, GenAiAttributes.USAGE_CACHE_READ_READ, usageProblems),
            (present & CACHE_WRITE) == 0 ? null
                : tokens(a, GenAiAttributes.USAGE_CACHE_CREATION_READ, usageProblems),
            (present & CACHE_WRITE) == 0 ? null : tokens(a,
                AgentMeterAttributes.USAGE_CACHE_CREATION_1H_INPUT_TOKENS.getKey(), usageProblems),
            (present & REASONING) == 0 ? null
                : tokens(a, GenAiAttributes.USAGE_REASONING_READ, usageProblems),
            (present & MODALITY) == 0 ? null
                : tokens(a, GenAiAttributes.USAGE_AUDIO_INPUT_TOKENS.getKey(), usageProblems),
            (present & MODALITY) == 0 ? null
                : tokens(a, GenAiAttributes.USAGE_AUDIO_OUTPUT_TOKENS.getKey(), usageProblems),
            (present & MODALITY) == 0 ? null
                : tokens(a, GenAiAttributes.USAGE_IMAGE_INPUT_TOKENS.getKey(), usageProblems),
            (present & MODALITY) == 0 ? null
                : tokens(a, GenAiAttributes.USAGE_IMAGE_OUTPUT_TOKENS.getKey(), usageProblems));
    String toolName = (present & TOOL) == 0 ? null
        : string(a, GenAiAttributes.TOOL_NAME.getKey(), problems);
    SpanCategory category = category(operation, a, requestModel, responseModel, usage);
    String tier = (present & TIER) == 0 ? null
        : firstString(a, GenAiAttributes.SERVICE_TIER_READ, problems);
    Long resend = (present & RETRY) == 0 ? null
        : tokens(a, GenAiAttributes.HTTP_REQUEST_RESEND_COUNT.getKey(), problems);
    Long attempt = (present & RETRY) == 0 ? null
        : tokens(a, AgentMeterAttributes.RETRY_ATTEMPT.getKey(), problems);
    return new SpanFacts(
        category,
        operation,
        provider,
        requestModel,
        responseModel,
        toolName,
        usage,
        tier == null ? null : tier.toLowerCase(java.util.Locale.ROOT),
        string(a, AGENT_NAME, problems),
        (present & TASK) == 0 ? null : string(a, TASK_ID, problems),
        (present & CLIENT) == 0 ? null : string(a, CLIENT_ID, problems),
        string(r, AGENT_NAME, problems),
        string(r, TASK_ID, problems),
        string(r, CLIENT_ID, problems),
        (present & BAGGAGE) == 0 ? null
            : firstString(a, AgentMeterAttributes.BAGGAGE_AGENT_NAME_READ, problems),
        (present & BAGGAGE) == 0 ? null
            : firstString(a, AgentMeterAttributes.BAGGAGE_TASK_ID_READ, problems),
        (present & BAGGAGE) == 0 ? null
            : firstString(a, AgentMeterAttributes.BAGGAGE_CLIENT_ID_READ, problems),
        (present & SHARED) == 0 ? null
            : string(a, AgentMeterAttributes.SHARED_RESOURCE.getKey(), problems),
        Math.max(resend == null ? 0 : resend, attempt == null ? 0 : attempt),
        span.error(),
        usageProblems.isEmpty() ? List.of() : List.copyOf(usageProblems),
        problems.isEmpty() ? List.of() : List.copyOf(problems),
        a);
  }

  /** The model to price by: the served one, else the requested one. */
  public @Nullable String model() {
    return responseModel != null ? responseModel : requestModel;
  }

  /** The count of provider-side tool calls billed under {@code feeName}, 0 when absent. */
  public long toolCalls(String feeName, List<String> problemsOut) {
    String key = TOOL_CALL_KEYS.get(feeName);
    if (key == null) {
      key = AgentMeterAttributes.USAGE_TOOL_CALLS_PREFIX + feeName;
      if (TOOL_CALL_KEYS.size() < MAX_TOOL_CALL_KEYS) {
        TOOL_CALL_KEYS.putIfAbsent(feeName, key);
      }
    }
    Long count = tokens(attributes, key, problemsOut);
    return count == null ? 0 : count;
  }

  private static SpanCategory category(
      @Nullable String operation,
      Map<String, Object> a,
      @Nullable String requestModel,
      @Nullable String responseModel,
      TokenUsage usage) {
    if (operation != null) {
      switch (operation) {
        case OperationNameValues.CHAT:
        case OperationNameValues.TEXT_COMPLETION:
        case OperationNameValues.GENERATE_CONTENT:
          return SpanCategory.INFERENCE;
        case OperationNameValues.EMBEDDINGS:
          return SpanCategory.EMBEDDING;
        case OperationNameValues.EXECUTE_TOOL:
          return SpanCategory.TOOL;
        case OperationNameValues.INVOKE_AGENT:
        case OperationNameValues.INVOKE_WORKFLOW:
        case OperationNameValues.CREATE_AGENT:
          return SpanCategory.AGENT;
        default:
          return SpanCategory.OTHER;
      }
    }
    // OpenInference marks the span kind instead of the operation.
    Object kind = a.get("openinference.span.kind");
    if (kind instanceof String) {
      switch ((String) kind) {
        case "LLM":
          return SpanCategory.INFERENCE;
        case "EMBEDDING":
          return SpanCategory.EMBEDDING;
        case "TOOL":
          return SpanCategory.TOOL;
        case "AGENT":
        case "CHAIN":
          return SpanCategory.AGENT;
        default:
          return SpanCategory.OTHER;
      }
    }
    // A span with a model and usage but no operation (older instrumentations) is a model call.
    if ((requestModel != null || responseModel != null) && usage.isReported()) {
      return SpanCategory.INFERENCE;
    }
    return SpanCategory.OTHER;
  }

  private static @Nullable String firstString(
      Map<String, Object> a, List<String> keys, List<String> problems) {
    for (int i = 0; i < keys.size(); i++) {
      String value = string(a, keys.get(i), problems);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  private static @Nullable String string(Map<String, Object> a, String key, List<String> problems) {
    Object value = a.get(key);
    if (value == null) {
      return null;
    }
    if (value instanceof String) {
      String s = (String) value;
      return s.isEmpty() ? null : s;
    }
    problems.add(key + " has type " + typeName(value) + ", expected string");
    return null;
  }

  private static @Nullable Long tokens(Map<String, Object> a, List<String> keys, List<String> problems) {
    for (int i = 0; i < keys.size(); i++) {
      String key = keys.get(i);
      // One lookup per spelling: the first key present decides, even with a null or unusable value.
      Object value = a.getOrDefault(key, ABSENT);
      if (value != ABSENT) {
        return tokens(key, value, problems);
      }
    }
    return null;
  }

  private static @Nullable Long tokens(Map<String, Object> a, String key, List<String> problems) {
    return tokens(key, a.get(key), problems);
  }

  private static @Nullable Long tokens(String key, @Nullable Object value, List<String> problems) {
    if (value == null) {
      return null;
    }
    long count;
    if (value instanceof Long || value instanceof Integer) {
      count = ((Number) value).longValue();
    } else if (value instanceof Double) {
      double d = (Double) value;
      if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d)) {
        problems.add(key + " is " + d + ", not a whole number of tokens");
        return null;
      }
      if (Math.abs(d) > MAX_TOKENS) {
        problems.add(key + " = " + d + " exceeds the limit of " + MAX_TOKENS + " tokens");
        return null;
      }
      count = (long) d;
    } else {
      problems.add(key + " has type " + typeName(value) + ", expected an integer");
      return null;
    }
    if (count < 0) {
      problems.add(key + " is negative (" + count + ")");
      return null;
    }
    if (count > MAX_TOKENS) {
      problems.add(key + " = " + count + " exceeds the limit of " + MAX_TOKENS + " tokens");
      return null;
    }
    // the attribute's own Long when it is one: no second box per count
    return value instanceof Long l ? l : Long.valueOf(count);
  }

  private static String typeName(Object value) {
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof List) {
      return "array";
    }
    return value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
