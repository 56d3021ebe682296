package io.agentmeter.processor.store;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.StorageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stored spans read back: what a trace's stored rollup counted, from the requests they came in,
 * and what is stored but not rolled up yet. For re-rolling a trace up, repricing and checks.
 */
public final class StoredSpans {

  private StoredSpans() {}

  /**
   * The spans of a trace as its stored rollup counted them (each distinct delivery once), read
   * back from the requests they came in; empty for a trace not rolled up yet. A span costed with a
   * fingerprint made otherwise (an earlier version took it over the span as re-encoded, this one
   * over its bytes as received; they differ for a sender that does not encode canonically) is the
   * same delivery, found by span id and request, and keeps the stored fingerprint.
   */
  public static List<IncomingSpan> of(CostStore store, RequestLog log, String traceId)
      throws StorageException {
    Map<DeliveryKey, Long> stored = store.deliveries(traceId);
    Map<DeliveryKey, Long> wanted = new HashMap<>(stored);
    Set<Long> requests = new LinkedHashSet<>(stored.values());
    List<IncomingSpan> result = new ArrayList<>(wanted.size());
    for (long request : requests) {
      List<IncomingSpan> unmatched = new ArrayList<>();
      for (IncomingSpan span : log.request(request)) {
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
        for (Iterator<Map.Entry<DeliveryKey, Long>> it = wanted.entrySet().iterator();
            it.hasNext(); ) {
          Map.Entry<DeliveryKey, Long> want = it.next();
          if (want.getValue() == request
              && want.getKey().spanId().equals(span.record().spanId())) {
            it.remove();
            result.add(new IncomingSpan(span.record(), want.getKey().fingerprint(),
                span.payload(), request));
            break;
          }
        }
      }
    }
    return result;
  }

  /**
   * Every stored span of a trace, each distinct delivery once: those its stored rollup counted
   * ({@link #of}) and those in requests still pending.
   */
  public static List<IncomingSpan> all(CostStore store, RequestLog log, String traceId)
      throws StorageException {
    Map<DeliveryKey, IncomingSpan> distinct = new LinkedHashMap<>();
    for (IncomingSpan span : of(store, log, traceId)) {
      distinct.putIfAbsent(span.deliveryKey(), span);
    }
    for (IncomingSpan span : log.pending()) {
      if (span.record().traceId().equals(traceId)) {
        distinct.putIfAbsent(span.deliveryKey(), span);
      }
    }
    return new ArrayList<>(distinct.values());
  }

  /**
   * How many spans are stored, each distinct delivery once: those the stored rollups counted,
   * plus those in pending requests that no rollup counted yet. Reads every pending request; for
   * tests and tools.
   */
  public static long count(CostStore store, RequestLog log) throws StorageException {
    long rolledUp = store.spanCount();
    Map<String, Set<DeliveryKey>> counted = new HashMap<>();
    Set<List<Object>> seen = new HashSet<>();
    long pending = 0;
    for (IncomingSpan span : log.pending()) {
      String trace = span.record().traceId();
      if (!seen.add(List.of(trace, span.deliveryKey()))) {
        continue;
      }
      Set<DeliveryKey> stored = counted.get(trace);
      if (stored == null) {
        stored = store.deliveries(trace).keySet();
        counted.put(trace, stored);
      }
      if (!stored.contains(span.deliveryKey())) {
        pending++;
      }
    }
    return rolledUp + pending;
  }
}
