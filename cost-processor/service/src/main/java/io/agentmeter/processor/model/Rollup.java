package io.agentmeter.processor.model;

import io.agentmeter.cost.rollup.RollupResult;
import java.util.List;

/**
 * A trace's rollup to store: the engine's result and the stored spans it was computed from.
 *
 * @param traceId the trace
 * @param result its rollup
 * @param spans the stored spans it was computed from
 * @param complete whether the trace's root span was seen
 * @param amends whether a rollup of the trace may be stored already (its lines are then
 *     replaced); {@code false} only when the caller knows none is and none can be stored before
 *     this one, which saves a lookup by trace id per trace
 */
public record Rollup(String traceId, RollupResult result, List<IncomingSpan> spans,
    boolean complete, boolean amends) {

  /** A rollup that may replace an earlier one. */
  public Rollup(String traceId, RollupResult result, List<IncomingSpan> spans, boolean complete) {
    this(traceId, result, spans, complete, true);
  }
}
