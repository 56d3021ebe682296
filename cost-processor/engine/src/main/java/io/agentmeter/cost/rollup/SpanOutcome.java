package io.agentmeter.cost.rollup;

import static java.util.Objects.requireNonNull;

import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.SpanCategory;
import io.agentmeter.cost.pricing.SpanCost;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One span's place in a rollup: its attribution, its status under the rollup's rules and what it
 * contributes to the total.
 *
 * @param traceId the trace
 * @param spanId the span
 * @param parentSpanId the parent, or {@code null}
 * @param name the span name
 * @param startEpochNanos the span's start
 * @param category what the span is
 * @param agent the agent the span is attributed to ({@value TraceRollup#UNATTRIBUTED} if none)
 * @param task the task (the trace id if nothing sets one)
 * @param client the client ({@value TraceRollup#UNATTRIBUTED} if none)
 * @param provider the provider, or {@code null}
 * @param model the model priced by, or {@code null}
 * @param status the status under the rollup's rules
 * @param reason why, for every status but priced (and notes on priced spans), or {@code null}
 * @param cost what the span adds to the total, in the rollup's currency; {@code null} unless priced
 * @param price the span priced on its own (original currency, breakdown, price reference), or
 *     {@code null} for spans the rules never price (aggregates, duplicates, non-LLM spans)
 * @param retry whether the span is an attempt of a retried call
 * @param sharedResource the shared resource key, or {@code null}
 * @param inputTokens reported input tokens (0 when not reported)
 * @param outputTokens reported output tokens (0 when not reported)
 * @param agentShares how the cost splits across agents: the allocation of a shared resource, first
 *     user (the span's own agent) first, then the others in the order of their first use; else the
 *     whole cost to the span's agent; empty unless priced
 */
public record SpanOutcome(
    String traceId,
    String spanId,
    @Nullable String parentSpanId,
    String name,
    long startEpochNanos,
    SpanCategory category,
    String agent,
    String task,
    String client,
    @Nullable String provider,
    @Nullable String model,
    CostStatus status,
    @Nullable String reason,
    @Nullable BigDecimal cost,
    @Nullable SpanCost price,
    boolean retry,
    @Nullable String sharedResource,
    long inputTokens,
    long outputTokens,
    Map<String, BigDecimal> agentShares) {

  public SpanOutcome {
    // Map.copyOf iterates in an order that changes from one JVM run to the next: keep the
    // allocation's order where there is one to keep (and refuse nulls as Map.copyOf does).
    if (agentShares.size() < 2) {
      agentShares = Map.copyOf(agentShares);
    } else {
      Map<String, BigDecimal> ordered = new LinkedHashMap<>(agentShares.size() * 2);
      agentShares.forEach((key, value) -> ordered.put(requireNonNull(key), requireNonNull(value)));
      agentShares = Collections.unmodifiableMap(ordered);
    }
  }
}
