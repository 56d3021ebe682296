package io.agentmeter.processor.store;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * One cost line of a stored rollup: what one delivered span adds to one agent. A span's first line
 * ({@code line == 0}) is its row: it carries the span's own cost and its tokens; a shared
 * resource's cost split across agents adds a line per further agent.
 *
 * @param traceId the trace
 * @param spanId the span
 * @param fingerprint the delivery's content fingerprint
 * @param line the line's number within the span, 0 first
 * @param startNanos the span's start, nanoseconds since the epoch
 * @param day the span's start day (UTC), {@code yyyy-MM-dd}
 * @param agent the agent the line's cost goes to
 * @param task the span's task
 * @param client the span's client
 * @param provider the provider, or {@code null}
 * @param model the model (for a billable span, {@code unknown} when none), or {@code null}
 * @param status the span's cost status as stored ({@code priced}, {@code unpriced}...)
 * @param reason why the span has its status, or {@code null}
 * @param cost the line's share of the cost, or {@code null}
 * @param spanCost the span's own cost, on its first line only, else {@code null}
 * @param currency the rollup's currency
 * @param priceRef the price the span was priced by, or {@code null}
 * @param inputTokens the span's input tokens, on its first line only, else 0
 * @param outputTokens the span's output tokens, on its first line only, else 0
 * @param retry whether the span is an attempt of a retried call
 * @param shared whether the span is a shared resource
 * @param parentSpanId the span's parent, or {@code null}
 * @param name the span's name
 * @param endNanos the span's end, nanoseconds since the epoch
 * @param batchId the stored request the delivery came in
 */
public record CostLine(
    String traceId,
    String spanId,
    String fingerprint,
    int line,
    long startNanos,
    String day,
    String agent,
    String task,
    String client,
    @Nullable String provider,
    @Nullable String model,
    String status,
    @Nullable String reason,
    @Nullable BigDecimal cost,
    @Nullable BigDecimal spanCost,
    String currency,
    @Nullable String priceRef,
    long inputTokens,
    long outputTokens,
    boolean retry,
    boolean shared,
    @Nullable String parentSpanId,
    String name,
    long endNanos,
    long batchId) {

  /** Whether this is its span's first line (the span's row). */
  public boolean first() {
    return line == 0;
  }

  /** Whether the span is billed: priced, or billable but not priced. */
  public boolean billable() {
    return "priced".equals(status) || "unpriced".equals(status);
  }
}
