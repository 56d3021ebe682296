package io.agentmeter.processor.model;

import java.util.List;

/**
 * A trace the trace window closed: the spans it gathered since the trace opened, to be rolled up
 * (with whatever an earlier rollup of the trace stored).
 *
 * @param traceId the trace
 * @param spans the spans received since the trace opened, in arrival order, re-deliveries
 *     included (not copied: the window lets go of the list)
 * @param batches the ids of the stored requests those spans came in, each once
 * @param complete whether the trace's root span ended in the window (or the trace was stored whole
 *     before, so these spans are late); a rollup is complete too when its root span is among the
 *     spans it counts
 * @param recovered whether the spans were found pending at start (a crash left them)
 * @param reprice whether the trace is to be priced with the pipeline's prices whatever its stored
 *     rollup was priced with ({@code reprice}); otherwise a trace rolled up before keeps its prices
 */
public record ClosedTrace(String traceId, List<IncomingSpan> spans, List<Long> batches,
    boolean complete, boolean recovered, boolean reprice) {

  /** A trace closed by the window (not a reprice). */
  public ClosedTrace(String traceId, List<IncomingSpan> spans, List<Long> batches,
      boolean complete, boolean recovered) {
    this(traceId, spans, batches, complete, recovered, false);
  }
}
