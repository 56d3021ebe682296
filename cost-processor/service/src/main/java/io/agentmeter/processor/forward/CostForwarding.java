package io.agentmeter.processor.forward;

import com.google.protobuf.InvalidProtocolBufferException;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.rollup.CostAttributes;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.StoredRollup;
import io.agentmeter.processor.otlp.SpanConverter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
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
    for (StoredRollup stored : rollups) {
      if (stored.fresh().isEmpty()) {
        continue;
      }
      try {
        forward(stored.rollup().result(), stored.fresh());
      } catch (RuntimeException ex) {
        LOG.log(Level.FINE, "forwarding trace " + stored.rollup().traceId() + " failed", ex);
      }
    }
  }

  private void forward(RollupResult result, List<IncomingSpan> spans) {
    Map<String, SpanOutcome> outcomes = new HashMap<>();
    for (SpanOutcome s : result.spans()) {
      if (s.status() != CostStatus.DUPLICATE) {
        outcomes.putIfAbsent(s.spanId() + '@' + s.startEpochNanos(), s);
      }
    }
    String rootId = result.roots().values().stream().findFirst().orElse(null);
    List<ResourceSpans> out = new ArrayList<>(spans.size());
    for (IncomingSpan span : spans) {
      ResourceSpans stored;
      try {
        stored = SpanConverter.parsePayload(span.payload());
      } catch (InvalidProtocolBufferException e) {
        // stored and costed, but a part the receiver does not read (an attribute value, an
        // event) is malformed: this span cannot be sent on; the rest of its trace is
        LOG.log(Level.FINE, "span " + span.record().spanId() + " of trace "
            + span.record().traceId() + " cannot be forwarded", e);
        metrics.forwardDropped(1);
        continue;
      }
      SpanOutcome outcome =
          outcomes.get(span.record().spanId() + '@' + span.record().startEpochNanos());
      Map<String, Object> added = new LinkedHashMap<>();
      if (outcome != null) {
        added.putAll(CostAttributes.forSpan(outcome));
        if (writeGenAiCost && outcome.status() == CostStatus.PRICED && outcome.cost() != null
            && !span.record().attributes().containsKey(GEN_AI_USAGE_COST)) {
          added.put(GEN_AI_USAGE_COST, outcome.cost().doubleValue());
        }
      }
      if (span.record().spanId().equals(rootId)) {
        added.putAll(CostAttributes.forRoot(result));
      }
      if (added.isEmpty()) {
        out.add(stored);
        continue;
      }
      ResourceSpans.Builder rs = stored.toBuilder();
      Span.Builder builder = rs.getScopeSpansBuilder(0).getSpansBuilder(0);
      for (Map.Entry<String, Object> a : added.entrySet()) {
        builder.addAttributes(
            KeyValue.newBuilder().setKey(a.getKey()).setValue(anyValue(a.getValue())));
      }
      out.add(rs.build());
    }
    forwarder.send(out);
  }

  private static AnyValue anyValue(Object value) {
    if (value instanceof Double d) {
      return AnyValue.newBuilder().setDoubleValue(d).build();
    }
    if (value instanceof Long l) {
      return AnyValue.newBuilder().setIntValue(l).build();
    }
    if (value instanceof Boolean b) {
      return AnyValue.newBuilder().setBoolValue(b).build();
    }
    if (value instanceof List<?> list) {
      ArrayValue.Builder array = ArrayValue.newBuilder();
      for (Object item : list) {
        array.addValues(anyValue(item));
      }
      return AnyValue.newBuilder().setArrayValue(array).build();
    }
    return AnyValue.newBuilder().setStringValue(String.valueOf(value)).build();
  }
}
