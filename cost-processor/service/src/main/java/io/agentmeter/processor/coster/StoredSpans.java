package io.agentmeter.processor.coster;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.store.CostStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads back the spans a trace's stored rollup counted: the store knows each delivery and the
 * request it came in, the request log holds the requests' spans.
 */
final class StoredSpans {

  private final CostStore store;
  private final RequestLog log;

  StoredSpans(CostStore store, RequestLog log) {
    this.store = store;
    this.log = log;
  }

  /**
   * The spans of a trace as its stored rollup counted them (each distinct delivery once), from
   * their requests in the order the rollup stored them first; empty for a trace not rolled up.
   */
  List<IncomingSpan> of(String traceId) throws StorageException {
    Map<DeliveryKey, Long> stored = store.deliveries(traceId);
    Map<DeliveryKey, Long> wanted = new HashMap<>(stored);
    Set<Long> batches = new LinkedHashSet<>(stored.values());
    List<IncomingSpan> result = new ArrayList<>(wanted.size());
    for (long batch : batches) {
      List<IncomingSpan> unmatched = new ArrayList<>();
      for (IncomingSpan span : log.request(batch)) {
        if (!span.record().traceId().equals(traceId)) {
          continue;
        }
        if (wanted.remove(span.deliveryKey()) != null) {
          result.add(span);
        } else {
          unmatched.add(span);
        }
      }
      for (IncomingSpan span : unmatched) {
        // Costed with a fingerprint made otherwise (an earlier version took it over the span as
        // re-encoded, this one over its bytes as received; they differ for a sender that does not
        // encode canonically): the same delivery, found by span id and request, keeps the stored
        // one.
        for (Iterator<Map.Entry<DeliveryKey, Long>> it = wanted.entrySet().iterator();
            it.hasNext(); ) {
          Map.Entry<DeliveryKey, Long> want = it.next();
          if (want.getValue() == batch && want.getKey().spanId().equals(span.record().spanId())) {
            it.remove();
            result.add(new IncomingSpan(span.record(), want.getKey().fingerprint(), span.payload(),
                batch));
            break;
          }
        }
      }
    }
    return result;
  }
}
