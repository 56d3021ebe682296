package io.agentmeter.processor.forward;

import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.rollup.CostAttributes;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.StoredRollup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Forwards the spans of stored rollups that no earlier rollup sent, each with its cost attributes
 * written on it (and the trace's on its root): a trace rolled up again sends only its new spans.
 * The spans go as they were received, byte for byte, with the attributes appended to the span.
 */
public final class CostForwarding implements RollupListener {

  private static final Logger LOG = Logger.getLogger(CostForwarding.class.getName());
  private static final String GEN_AI_USAGE_COST = "gen_ai.usage.cost";

  private final Forwarder forwarder;
  private final Metrics metrics;
  private final boolean writeGenAiCost;

  /**
   * @param writeGenAiCost also write {@code gen_ai.usage.cost} on priced spans that lack it
   */
  public CostForwarding(Forwarder forwarder, Metrics metrics, boolean writeGenAiCost) {
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.writeGenAiCost = writeGenAiCost;
  }

  @Override
  public void stored(List<StoredRollup> rollups) {
    List<OutgoingSpan> out = new ArrayList<>();
    for (StoredRollup stored : rollups) {
      if (stored.fresh().isEmpty()) {
        continue;
      }
      int before = out.size();
      try {
        withCostAttributes(stored.rollup().result(), stored.fresh(), out);
      } catch (RuntimeException ex) {
        out.subList(before, out.size()).clear();
        metrics.forwardDropped(stored.fresh().size());
        LOG.log(Level.WARNING, "forwarding trace " + stored.rollup().traceId() + " failed; its "
            + stored.fresh().size() + " spans are dropped", ex);
      }
    }
    forwarder.send(out);
  }

  /**
   * Adds each span to {@code out} with the attributes to write on it; the payloads are checked and
   * the attributes encoded and written into them on the forwarder's senders, not on the store
   * thread this is called on.
   */
  private void withCostAttributes(RollupResult result, List<IncomingSpan> spans,
      List<OutgoingSpan> out) {
    Map<SpanKey, SpanOutcome> outcomes = new HashMap<>(result.spans().size() * 2);
    for (SpanOutcome s : result.spans()) {
      if (s.status() != CostStatus.DUPLICATE) {
        outcomes.putIfAbsent(new SpanKey(s.spanId(), s.startEpochNanos()), s);
      }
    }
    String rootId = result.roots().values().stream().findFirst().orElse(null);
    for (IncomingSpan span : spans) {
      SpanRecord record = span.record();
      SpanOutcome outcome = outcomes.get(new SpanKey(record.spanId(), record.startEpochNanos()));
      Map<String, Object> added = outcome == null ? Map.of() : CostAttributes.forSpan(outcome);
      boolean genAiCost = writeGenAiCost && outcome != null
          && outcome.status() == CostStatus.PRICED && outcome.cost() != null
          && !record.attributes().containsKey(GEN_AI_USAGE_COST);
      boolean root = record.spanId().equals(rootId);
      if (genAiCost || root) {
        Map<String, Object> all = new LinkedHashMap<>(added);
        if (genAiCost) {
          all.put(GEN_AI_USAGE_COST, outcome.cost().doubleValue());
        }
        if (root) {
          all.putAll(CostAttributes.forRoot(result));
        }
        added = all;
      }
      out.add(new OutgoingSpan(record.traceId(), record.spanId(), span.payload(), added));
    }
  }

  /** A span's identity within its rollup. */
  private record SpanKey(String spanId, long startEpochNanos) {}
}
