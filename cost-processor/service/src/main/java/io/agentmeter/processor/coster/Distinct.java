package io.agentmeter.processor.coster;

import io.agentmeter.processor.model.IncomingSpan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A trace's distinct deliveries (span id and content fingerprint), in the order first seen. Span
 * ids are compared first; fingerprints only once some span id has come twice, so a trace without
 * re-deliveries never hashes them.
 */
final class Distinct {
  final List<IncomingSpan> spans;
  private final Set<String> spanIds;
  /** Where each delivery is in {@link #spans}; made at the first span id seen twice. */
  private @Nullable Map<IncomingSpan.DeliveryKey, Integer> deliveries;

  Distinct(int expected) {
    spans = new ArrayList<>(expected);
    spanIds = new HashSet<>(expected * 4 / 3 + 1);
  }

  /**
   * Adds a delivery unless one of the same content is in already; then {@code replace} puts it in
   * that one's place.
   *
   * @return whether it was a new delivery
   */
  boolean add(IncomingSpan span, boolean replace) {
    if (spanIds.add(span.record().spanId())) {
      if (deliveries != null) {
        deliveries.put(span.deliveryKey(), spans.size());
      }
      spans.add(span);
      return true;
    }
    if (deliveries == null) {
      deliveries = new HashMap<>();
      for (int i = 0; i < spans.size(); i++) {
        deliveries.putIfAbsent(spans.get(i).deliveryKey(), i);
      }
    }
    Integer same = deliveries.putIfAbsent(span.deliveryKey(), spans.size());
    if (same == null) {
      spans.add(span);
      return true;
    }
    if (replace) {
      spans.set(same, span);
    }
    return false;
  }
}
