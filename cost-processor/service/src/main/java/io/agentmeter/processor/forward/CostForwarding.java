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
import io.agentmeter.semconv.AgentMeterAttributes;
import io.agentmeter.semconv.GenAiAttributes;
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
 *
 * <p>One exception: a span that arrived with a {@code gen_ai.usage.cost} of its own (OpenLIT
 * writes one, 0 when it cannot price) and that the rollup gives a cost status. Ours wins, so a
 * backend shows one cost: the received attribute is renamed {@code
 * agentmeter.cost.original.gen_ai.usage.cost} (its value and place kept), and a priced span gets
 * {@code gen_ai.usage.cost} again with our amount; a span we did not price gets none.
 */
public final class CostForwarding implements RollupListener {

  private static final Logger LOG = Logger.getLogger(CostForwarding.class.getName());
  private static final String GEN_AI_USAGE_COST = GenAiAttributes.USAGE_COST.getKey();
  /** The received {@code gen_ai.usage.cost}, renamed. */
  private static final Map<String, String> RENAME_USAGE_COST = Map.of(GEN_AI_USAGE_COST,
      AgentMeterAttributes.COST_ORIGINAL_USAGE_COST.getKey());

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
      // a cost the span came with gives way to ours wherever we say what the span costs
      boolean replace = !added.isEmpty() && record.attributes().containsKey(GEN_AI_USAGE_COST);
      boolean priced = outcome != null && outcome.status() == CostStatus.PRICED
          && outcome.cost() != null;
      boolean genAiCost = priced && (replace
          || (writeGenAiCost && !record.attributes().containsKey(GEN_AI_USAGE_COST)));
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
      out.add(new OutgoingSpan(record.traceId(), record.spanId(), span.payload(), added,
          replace ? RENAME_USAGE_COST : Map.of()));
    }
  }

  /** A span's identity within its rollup. */
  private record SpanKey(String spanId, long startEpochNanos) {}
}
