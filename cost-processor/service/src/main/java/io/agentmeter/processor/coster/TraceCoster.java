package io.agentmeter.processor.coster;

import io.agentmeter.processor.store.StoredSpans;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.ClosedTrace;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.window.PendingRequests;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Rolls closed traces up and stores them. A trace rolled up before (a late span, a re-delivery, a
 * restart) is rolled up again from every span stored for it, each distinct delivery once, and its
 * stored rollup replaced, never added to. Each group of traces is claimed first, so that a trace has
 * at most one rollup between reading whether it was rolled up and storing; groups are stored in
 * order on a store thread of their own, at most {@value Storer#MAX_IN_FLIGHT} in flight (the
 * caller waits for room), and the listener is told of what was stored.
 *
 * <p>Nothing is lost when a step fails: the spans stay pending in the request log and the next
 * start rolls their traces up again.
 */
public final class TraceCoster implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(TraceCoster.class.getName());

  /** The engine new rollups are priced with and the id of its prices, swapped as one. */
  private volatile Prices current;
  private final CostStore store;
  private final RequestLog log;
  private final Storer storer;
  private final Claims claims;
  private final RollupListener listener;
  private final Function<String, Optional<CostEngine>> pricedWith;

  /** An engine and the id of the prices it prices with ({@code null} when not named). */
  private record Prices(CostEngine engine, @Nullable String id) {}

  /**
   * Prices rollups from now on with {@code engine}, whose prices are {@code id} (kept in the
   * ledger by the caller first). A trace stored with other prices keeps them when rolled up again,
   * as with {@link Builder#setPricing}.
   */
  public void setPrices(String id, CostEngine engine) {
    this.current = new Prices(engine, id);
  }

  /** The engine new rollups are priced with. */
  public CostEngine engine() {
    return current.engine();
  }

  /** The id of the prices new rollups are priced with, or {@code null} when not named. */
  public @Nullable String pricing() {
    return current.id();
  }

  /** What the coster counts for others. */
  @FunctionalInterface
  public interface Counters {
    /** Spans skipped as re-deliveries of spans counted already, once their rollups are stored. */
    void duplicates(long spans);
  }

  private TraceCoster(Builder b) {
    this.current = new Prices(b.engine, b.pricing);
    this.store = b.store;
    this.log = b.log;
    this.listener = b.listener;
    this.pricedWith = b.pricedWith;
    this.storer = new Storer(b.log, b.store, b.pending, b.listener, b.counters);
    this.claims = storer.claims();
  }

  /**
   * @param log where the spans of stored traces are read back, and requests are marked done
   * @param store where rollups are stored
   * @param pending told which traces were stored; says which requests are done
   */
  public static Builder builder(CostEngine engine, RequestLog log, CostStore store,
      PendingRequests pending) {
    return new Builder(engine, log, store, pending);
  }

  /** Settings of a {@link TraceCoster}. */
  public static final class Builder {
    private final CostEngine engine;
    private final RequestLog log;
    private final CostStore store;
    private final PendingRequests pending;
    private RollupListener listener = rollups -> {};
    private Counters counters = spans -> {};
    private @Nullable String pricing;
    private Function<String, Optional<CostEngine>> pricedWith = id -> Optional.empty();

    private Builder(CostEngine engine, RequestLog log, CostStore store, PendingRequests pending) {
      this.engine = engine;
      this.log = log;
      this.store = store;
      this.pending = pending;
    }

    /** Told of rollups once stored, on the store thread (closed with the coster). */
    public Builder setListener(RollupListener listener) {
      this.listener = listener;
      return this;
    }

    public Builder setCounters(Counters counters) {
      this.counters = counters;
      return this;
    }

    /**
     * Names the prices the engine prices with ({@code id}, recorded with each rollup) and how to
     * price with others: a trace stored with other prices (a reprice's) keeps them when rolled up
     * again, unless it is closed as a reprice.
     *
     * @param engines an engine pricing with the prices of an id, or empty when they are not known
     */
    public Builder setPricing(String id, Function<String, Optional<CostEngine>> engines) {
      this.pricing = id;
      this.pricedWith = engines;
      return this;
    }

    public TraceCoster build() {
      return new TraceCoster(this);
    }
  }

  /**
   * Rolls closed traces up and hands them to the store thread, waiting while it is behind. Never
   * throws: traces that cannot be rolled up or stored stay pending (and are logged).
   */
  public void cost(List<ClosedTrace> traces) {
    List<String> ids = new ArrayList<>(traces.size());
    for (ClosedTrace trace : traces) {
      ids.add(trace.traceId());
    }
    if (!claims.claim(ids)) {
      return;
    }
    boolean handedOver = false;
    try {
      handedOver = costClaimed(traces, ids);
    } catch (RuntimeException ex) {
      LOG.log(Level.WARNING, "rollup of " + traces.size() + " traces failed; they stay pending", ex);
    } finally {
      if (!handedOver) {
        // not stored: the spans stay pending in the log, and the traces can close again
        claims.release(ids);
      }
    }
  }

  /** Waits until every rollup handed to the store thread is stored (or failed). */
  public void awaitStored() {
    storer.awaitStored();
  }

  /** Rollups whose store failed so far (their traces stay pending). */
  public long notStored() {
    return storer.notStored();
  }

  /** Waits for what is being stored, stops the store thread and closes the listener. */
  @Override
  public void close() {
    storer.close();
    try {
      listener.close();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "closing the listener of stored rollups failed", e);
    }
  }

  /**
   * Rolls claimed traces up and hands them to the store thread.
   *
   * @return whether they were handed over (the store thread then releases the claim)
   */
  private boolean costClaimed(List<ClosedTrace> traces, List<String> ids) {
    Set<String> rolledUpBefore;
    try {
      rolledUpBefore = store.rolledUp(ids);
    } catch (StorageException ex) {
      LOG.log(Level.WARNING, "cannot read which of " + traces.size() + " traces were rolled up"
          + " before; they stay pending", ex);
      return false;
    }
    Prices now = current; // one engine and id for the whole group
    String pricing = now.id();
    List<Rollup> rollups = new ArrayList<>(traces.size());
    List<@Nullable RollupResult> previous = new ArrayList<>(traces.size());
    List<List<IncomingSpan>> fresh = new ArrayList<>(traces.size());
    Map<Long, Integer> closing = new HashMap<>();
    Set<Long> failed = new HashSet<>();
    long duplicates = 0;
    for (ClosedTrace trace : traces) {
      String traceId = trace.traceId();
      for (long batch : trace.batches()) {
        closing.merge(batch, 1, Integer::sum);
      }
      try {
        // A trace rolled up before (a late span, a re-delivery, a restart) is rolled up again from
        // everything stored, each distinct delivery once.
        boolean before = rolledUpBefore.contains(traceId);
        CostEngine engine = now.engine();
        String pricedBy = pricing;
        if (before && !trace.reprice() && pricing != null) {
          String stored = store.pricingOf(traceId).orElse(null);
          if (stored != null && !stored.equals(pricing)) {
            Optional<CostEngine> kept = pricedWith.apply(stored);
            if (kept.isPresent()) {
              engine = kept.get();
              pricedBy = stored;
            } else {
              LOG.warning("trace " + traceId + " was priced with " + stored + ", which cannot be"
                  + " loaded from the ledger; rolled up again with " + pricing + " instead");
            }
          }
        }
        List<IncomingSpan> stored = before ? StoredSpans.of(store, log, traceId) : List.of();
        Distinct distinct = new Distinct(stored.size() + trace.spans().size());
        for (IncomingSpan span : stored) {
          distinct.add(span, true);
        }
        List<IncomingSpan> added = new ArrayList<>(trace.spans().size());
        for (IncomingSpan span : trace.spans()) {
          if (distinct.add(span, false)) {
            added.add(span);
          } else {
            duplicates++;
          }
        }
        List<IncomingSpan> spans = distinct.spans;
        if (spans.isEmpty()) {
          continue;
        }
        TraceRollup rollup = engine.newRollup();
        boolean rootPresent = false;
        for (IncomingSpan span : spans) {
          rollup.add(span.record());
          rootPresent |= span.record().isRoot();
        }
        RollupResult earlier = stored.isEmpty() ? null : rollupOf(engine, stored);
        // Claimed: no other rollup of the trace is stored until this one is, so one not rolled
        // up before is new to the store.
        rollups.add(new Rollup(traceId, rollup.result(), spans, trace.complete() || rootPresent,
            before, pricedBy));
        previous.add(earlier);
        fresh.add(added);
      } catch (Exception ex) {
        // The spans stay stored and pending; the next start rolls the trace up.
        LOG.log(Level.WARNING, "rollup of trace " + traceId + " failed", ex);
        failed.addAll(trace.batches());
      }
    }
    return storer.handOver(
        new StoreJob(ids, rollups, previous, fresh, closing, failed, duplicates));
  }

  private static RollupResult rollupOf(CostEngine engine, List<IncomingSpan> spans) {
    TraceRollup rollup = engine.newRollup();
    for (IncomingSpan span : spans) {
      rollup.add(span.record());
    }
    return rollup.result();
  }
}
