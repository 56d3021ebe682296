package io.agentmeter.processor.model;

import io.agentmeter.cost.rollup.RollupResult;
import java.util.List;
import org.jspecify.annotations.Nullable;

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
 * @param pricing the id of the {@link Pricing} it was computed with, or {@code null} when not
 *     known
 */
public record Rollup(String traceId, RollupResult result, List<IncomingSpan> spans,
    boolean complete, boolean amends, @Nullable String pricing) {

  /** A rollup that may replace an earlier one, its prices not named. */
  public Rollup(String traceId, RollupResult result, List<IncomingSpan> spans, boolean complete) {
    this(traceId, result, spans, complete, true, null);
  }

  /** A rollup whose prices are not named. */
  public Rollup(String traceId, RollupResult result, List<IncomingSpan> spans, boolean complete,
      boolean amends) {
    this(traceId, result, spans, complete, amends, null);
  }
}
