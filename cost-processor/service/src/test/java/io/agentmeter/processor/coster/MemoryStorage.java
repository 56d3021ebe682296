package io.agentmeter.processor.coster;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import io.agentmeter.processor.store.CostStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A request log and cost store in memory, for the coster's tests: what the coster calls works, the
 * queries do not. Writes fail while {@link #failWrites} is set.
 */
final class MemoryStorage implements RequestLog, CostStore {

  final Map<Long, List<IncomingSpan>> requests = new TreeMap<>();
  final Set<Long> pending = new TreeSet<>();
  final Map<String, Rollup> rollups = new LinkedHashMap<>();
  /** Deliveries as stored, when a test wants them otherwise than the rollups' spans. */
  final Map<String, Map<DeliveryKey, Long>> deliveries = new LinkedHashMap<>();
  volatile boolean failWrites;
  private long nextId = 1;

  @Override
  public synchronized List<List<IncomingSpan>> append(List<ReceivedRequest> received) {
    List<List<IncomingSpan>> stored = new ArrayList<>();
    for (ReceivedRequest request : received) {
      long id = nextId++;
      List<IncomingSpan> spans = request.spans().stream().map(s -> s.inBatch(id)).toList();
      requests.put(id, spans);
      pending.add(id);
      stored.add(spans);
    }
    return stored;
  }

  @Override
  public synchronized List<IncomingSpan> pending() {
    List<IncomingSpan> spans = new ArrayList<>();
    pending.forEach(id -> spans.addAll(requests.get(id)));
    return spans;
  }

  @Override
  public synchronized List<IncomingSpan> request(long id) {
    return requests.getOrDefault(id, List.of());
  }

  @Override
  public synchronized void markDone(Collection<Long> ids) {
    pending.removeAll(ids);
  }

  @Override
  public synchronized void write(Collection<Rollup> written) throws StorageException {
    if (failWrites) {
      throw new StorageException("disk full");
    }
    for (Rollup rollup : written) {
      rollups.put(rollup.traceId(), rollup);
      deliveries.put(rollup.traceId(), rollup.spans().stream().collect(Collectors.toMap(
          IncomingSpan::deliveryKey, IncomingSpan::batchId, (a, b) -> a, LinkedHashMap::new)));
    }
  }

  @Override
  public synchronized Set<String> rolledUp(Collection<String> traceIds) {
    return traceIds.stream().filter(rollups::containsKey).collect(Collectors.toSet());
  }

  @Override
  public synchronized Map<DeliveryKey, Long> deliveries(String traceId) {
    return deliveries.getOrDefault(traceId, Map.of());
  }

  @Override
  public Optional<TraceCost> trace(String traceId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<String> clientsOf(String traceId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<CostRow> costs(CostQuery query) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<TraceSummary> topTraces(Instant from, Instant to, int limit,
      @Nullable String client) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<String> traceIds() {
    throw new UnsupportedOperationException();
  }

  @Override
  public long spanCount() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void keepPricing(io.agentmeter.processor.model.Pricing pricing) {}

  @Override
  public java.util.Optional<io.agentmeter.processor.model.Pricing> pricing(String id) {
    return java.util.Optional.empty();
  }

  @Override
  public java.util.Optional<String> pricingOf(String traceId) {
    return java.util.Optional.empty();
  }

  @Override
  public io.agentmeter.processor.model.CounterTotals counters() {
    throw new UnsupportedOperationException();
  }

  @Override
  public String description() {
    return "memory";
  }

  @Override
  public void close() {}
}
