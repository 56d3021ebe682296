package io.agentmeter.semconv;

import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringArrayKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * AgentMeter's own attribute keys, all in the {@code agentmeter.} namespace: attribution written by
 * the javaagent extension (or by users), and cost outputs written by the cost processor.
 *
 * <p>{@code semconv/README.md} documents every key with its type, writer, meaning and an example.
 */
public final class AgentMeterAttributes {

  // ---- attribution -------------------------------------------------------------------------

  /** The client task a trace serves; defaults to the trace id when nothing sets it. */
  public static final AttributeKey<String> TASK_ID = stringKey("agentmeter.task.id");

  /** The client or tenant billed for the work. */
  public static final AttributeKey<String> CLIENT_ID = stringKey("agentmeter.client.id");

  /**
   * A key naming a shared resource use (a vector-store query, a shared prompt-cache write). Spans
   * with the same key inside one task are one cost, not several.
   */
  public static final AttributeKey<String> SHARED_RESOURCE =
      stringKey("agentmeter.shared.resource");

  /** The agent name as it arrived in W3C baggage (lowest precedence for attribution). */
  public static final AttributeKey<String> BAGGAGE_AGENT_NAME =
      stringKey("agentmeter.baggage.agent.name");

  /** The task id as it arrived in W3C baggage (lowest precedence for attribution). */
  public static final AttributeKey<String> BAGGAGE_TASK_ID = stringKey("agentmeter.baggage.task.id");

  /** The client id as it arrived in W3C baggage (lowest precedence for attribution). */
  public static final AttributeKey<String> BAGGAGE_CLIENT_ID =
      stringKey("agentmeter.baggage.client.id");

  /**
   * Prefix of OpenLLMetry's association properties ({@code Traceloop.set_association_properties}
   * in Python, {@code withAssociationProperties} in Node): {@code <prefix>agent}, {@code
   * <prefix>task} and {@code <prefix>client} are read for attribution, below every key of ours.
   */
  public static final String TRACELOOP_ASSOCIATION_PREFIX = "traceloop.association.properties.";

  /**
   * Every spelling read for the agent name at the lowest precedence: the baggage copy, then
   * OpenLLMetry's association property {@code agent}.
   */
  public static final List<String> BAGGAGE_AGENT_NAME_READ =
      List.of(BAGGAGE_AGENT_NAME.getKey(), TRACELOOP_ASSOCIATION_PREFIX + "agent");

  /**
   * Every spelling read for the task id at the lowest precedence: the baggage copy, then
   * OpenLLMetry's association property {@code task}.
   */
  public static final List<String> BAGGAGE_TASK_ID_READ =
      List.of(BAGGAGE_TASK_ID.getKey(), TRACELOOP_ASSOCIATION_PREFIX + "task");

  /**
   * Every spelling read for the client id at the lowest precedence: the baggage copy, then
   * OpenLLMetry's association property {@code client}.
   */
  public static final List<String> BAGGAGE_CLIENT_ID_READ =
      List.of(BAGGAGE_CLIENT_ID.getKey(), TRACELOOP_ASSOCIATION_PREFIX + "client");

  /** The attempt number of a retried call: 0 for the first attempt, 1 for the first retry. */
  public static final AttributeKey<Long> RETRY_ATTEMPT = longKey("agentmeter.retry.attempt");

  /**
   * The service tier a call was served on, for providers without their own attribute: {@code
   * batch}, {@code flex}, {@code priority} or {@code default}.
   */
  public static final AttributeKey<String> SERVICE_TIER = stringKey("agentmeter.service_tier");

  /** Of the cache creation tokens, how many were written with a 1-hour lifetime. */
  public static final AttributeKey<Long> USAGE_CACHE_CREATION_1H_INPUT_TOKENS =
      longKey("agentmeter.usage.cache_creation_1h.input_tokens");

  /**
   * Prefix of per-call tool-use counts a provider bills by the call, for example {@code
   * agentmeter.usage.tool_calls.web_search = 2}. The suffix is the fee name in the price catalogue.
   */
  public static final String USAGE_TOOL_CALLS_PREFIX = "agentmeter.usage.tool_calls.";

  // ---- cost outputs (written by the cost processor) -----------------------------------------

  /** The span's cost, in {@link #COST_CURRENCY}. */
  public static final AttributeKey<Double> COST_AMOUNT = doubleKey("agentmeter.cost.amount");

  /** ISO 4217 currency of every {@code agentmeter.cost.*} amount. */
  public static final AttributeKey<String> COST_CURRENCY = stringKey("agentmeter.cost.currency");

  /** One of {@link CostStatusValues}. */
  public static final AttributeKey<String> COST_STATUS = stringKey("agentmeter.cost.status");

  /** Why the span has its status; set for every status but {@code priced}. */
  public static final AttributeKey<String> COST_REASON = stringKey("agentmeter.cost.reason");

  /** The catalogue entry and the effective date of the price used, {@code id@yyyy-mm-dd}. */
  public static final AttributeKey<String> COST_PRICE_REF = stringKey("agentmeter.cost.price_ref");

  /** Cost of uncached text input tokens. */
  public static final AttributeKey<Double> COST_INPUT = doubleKey("agentmeter.cost.input");

  /** Cost of cache read tokens. */
  public static final AttributeKey<Double> COST_CACHE_READ = doubleKey("agentmeter.cost.cache_read");

  /** Cost of cache write tokens (both lifetimes). */
  public static final AttributeKey<Double> COST_CACHE_WRITE =
      doubleKey("agentmeter.cost.cache_write");

  /** Cost of non-reasoning output tokens. */
  public static final AttributeKey<Double> COST_OUTPUT = doubleKey("agentmeter.cost.output");

  /** Cost of reasoning tokens. */
  public static final AttributeKey<Double> COST_REASONING = doubleKey("agentmeter.cost.reasoning");

  /** Per-request and per-tool-call fees. */
  public static final AttributeKey<Double> COST_FEES = doubleKey("agentmeter.cost.fees");

  /**
   * The {@code gen_ai.usage.cost} a forwarded span arrived with (OpenLIT writes one, 0 when it
   * cannot price), its value as received: the processor's own amount replaces it under {@code
   * gen_ai.usage.cost} on a priced span, and nothing does on a span it did not price.
   */
  public static final AttributeKey<Double> COST_ORIGINAL_USAGE_COST =
      doubleKey("agentmeter.cost.original.gen_ai.usage.cost");

  /**
   * Total cost of the trace, written on its root span; absent when the trace has unpriced spans
   * and no priced cost (its cost is unknown, not zero).
   */
  public static final AttributeKey<Double> TRACE_COST_AMOUNT =
      doubleKey("agentmeter.trace.cost.amount");

  /** Currency of the trace totals. */
  public static final AttributeKey<String> TRACE_COST_CURRENCY =
      stringKey("agentmeter.trace.cost.currency");

  /** Names of the agents that spent money in the trace, most expensive first. */
  public static final AttributeKey<List<String>> TRACE_AGENTS =
      stringArrayKey("agentmeter.trace.agents");

  /** Number of LLM spans in the trace that could not be priced. */
  public static final AttributeKey<Long> TRACE_UNPRICED_SPANS =
      longKey("agentmeter.trace.unpriced_spans");

  /**
   * Prefix of the per-agent split on the root span: {@code agentmeter.trace.cost.agent.<name>} is a
   * double, one attribute per agent, so Jaeger shows it as a tag and Tempo can query it ({@code
   * span.agentmeter.trace.cost.agent.planner > 0.1}).
   */
  public static final String TRACE_COST_AGENT_PREFIX = "agentmeter.trace.cost.agent.";

  /** The key of the per-agent split attribute for one agent. */
  public static AttributeKey<Double> traceCostForAgent(String agentName) {
    return doubleKey(TRACE_COST_AGENT_PREFIX + agentName);
  }

  /** Values of {@link #COST_STATUS}. */
  public static final class CostStatusValues {
    /** Billable and priced from the catalogue. */
    public static final String PRICED = "priced";

    /** Billable, but no price applies (unknown model, missing usage); counted, never $0. */
    public static final String UNPRICED = "unpriced";

    /** Carries usage that its descendants bill (agent spans, framework wrappers); never billed. */
    public static final String AGGREGATE = "aggregate";

    /** A second delivery of a span already counted. */
    public static final String DUPLICATE = "duplicate";

    /** A use of a shared resource whose cost another span of the same task already bears. */
    public static final String SHARED_REUSE = "shared_reuse";

    /** Not an LLM cost at all (HTTP, database, an unpriced tool...). */
    public static final String NOT_BILLABLE = "not_billable";

    private CostStatusValues() {}
  }

  private AgentMeterAttributes() {}
}
