package io.agentmeter.processor.store;

import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.CounterTotals;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The cost store: traces' rollups, each span's status and cost, and the queries the API and CLI
 * answer from them. A trace's rollup replaces an earlier one of the same trace as a whole, never
 * adds to it; what the replacement takes back from a label set's cost is kept
 * ({@link #counters()}). Implementations are thread-safe.
 */
public interface CostStore extends AutoCloseable {

  /**
   * Stores rollups in one write, each replacing what an earlier rollup of its trace stored; all of
   * them or none.
   */
  void write(Collection<Rollup> rollups) throws StorageException;

  /** Which of {@code traceIds} have a stored rollup. */
  Set<String> rolledUp(Collection<String> traceIds) throws StorageException;

  /**
   * The deliveries the stored rollup of a trace counted, each with the id of the stored request it
   * came in; empty for a trace not rolled up.
   */
  Map<DeliveryKey, Long> deliveries(String traceId) throws StorageException;

  /** A stored trace with its spans, or empty. */
  Optional<TraceCost> trace(String traceId) throws StorageException;

  /** The clients billed in a trace (empty for an unknown trace). */
  List<String> clientsOf(String traceId) throws StorageException;

  /** Cost grouped by one dimension, summed exactly, most expensive first. */
  List<CostRow> costs(CostQuery query) throws StorageException;

  /** The most expensive traces that started in [from, to), optionally only one client's. */
  List<TraceSummary> topTraces(Instant from, Instant to, int limit, @Nullable String client)
      throws StorageException;

  /** Every rolled-up trace id, in order. */
  List<String> traceIds() throws StorageException;

  /** How many spans the stored rollups counted, each distinct delivery once. */
  long spanCount() throws StorageException;

  /**
   * Everything stored, summed as the service's counters count it (see {@link CounterTotals}),
   * with the cost later rollups took back from each label set over the store's life.
   */
  CounterTotals counters() throws StorageException;

  /** Keeps the prices rollups may name; the same id again changes nothing. */
  void keepPricing(Pricing pricing) throws StorageException;

  /** The prices kept under {@code id}, or empty. */
  Optional<Pricing> pricing(String id) throws StorageException;

  /**
   * The id of the prices the stored rollup of a trace was computed with; empty for a trace not
   * stored, or stored without one (before the ledger recorded prices).
   */
  Optional<String> pricingOf(String traceId) throws StorageException;

  /** Where the store is, for people (no credentials). */
  String description();

  @Override
  void close();
}
