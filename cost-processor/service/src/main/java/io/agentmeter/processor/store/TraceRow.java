package io.agentmeter.processor.store;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A stored trace's totals, as its rollup made them.
 *
 * @param traceId the trace
 * @param currency the rollup's currency
 * @param total everything billed
 * @param complete whether the trace's root span was seen
 * @param rootSpanId the root span, or {@code null}
 * @param rootName the root span's name, or {@code null}
 * @param spanCount the distinct spans (duplicate deliveries not counted)
 * @param unpricedSpans billable spans that could not be priced
 * @param sharedTotal the part of the total that is shared-resource cost
 * @param retryTotal the part of the total spent on attempts of retried calls
 * @param startNanos the earliest span start (0 for a rollup without spans)
 * @param byAgent the total by agent, in the rollup's order
 * @param byModel the total by model, in the rollup's order
 * @param byClient the total by client, in the rollup's order
 * @param clients the clients billed, sorted
 * @param updatedAtMs when the row was made, milliseconds since the epoch
 * @param pricing the id of the prices the rollup was computed with, or {@code null}
 */
public record TraceRow(
    String traceId,
    String currency,
    BigDecimal total,
    boolean complete,
    @Nullable String rootSpanId,
    @Nullable String rootName,
    int spanCount,
    int unpricedSpans,
    BigDecimal sharedTotal,
    BigDecimal retryTotal,
    long startNanos,
    Map<String, BigDecimal> byAgent,
    Map<String, BigDecimal> byModel,
    Map<String, BigDecimal> byClient,
    List<String> clients,
    long updatedAtMs,
    @Nullable String pricing) {

  /**
   * The total as a double: only the order of a most-expensive list, never an amount (stored
   * beside the exact total so the database can sort by it).
   */
  public double totalRank() {
    return total.doubleValue();
  }
}
