package io.agentmeter.processor.coster;

import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.StoredRollup;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.window.PendingRequests;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The store step, on a thread of its own so that the next traces are rolled up while these are
 * written: stores every group waiting (up to {@link #MAX_TRACES_PER_STORE} traces) in one write,
 * in the order handed over; then clears the pending marks of requests whose traces are all
 * stored, and tells the listener. The rows are made by the store, on this thread, just before they
 * are written (rows made on the closer would wait in memory through young collections while
 * earlier groups are stored).
 */
final class Storer {

  private static final Logger LOG = Logger.getLogger(Storer.class.getName());
  /** Groups handed over and not stored yet, at most. */
  static final int MAX_IN_FLIGHT = 3;
  /**
   * Traces stored in one write, at most: under load the closer hands over small groups faster than
   * each could be committed on its own, and a commit's cost is largely per transaction (pages
   * rewritten, the log's frames).
   */
  static final int MAX_TRACES_PER_STORE = 5_000;

  private final RequestLog log;
  private final CostStore store;
  private final PendingRequests pending;
  private final RollupListener listener;
  private final TraceCoster.Counters counters;
  private final Claims claims = new Claims(this::awaitStored);
  private final ConcurrentLinkedQueue<StoreJob> jobs = new ConcurrentLinkedQueue<>();
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final LongAdder notStored = new LongAdder();
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "agentmeter-rollup-store");
    t.setDaemon(true);
    return t;
  });

  Storer(RequestLog log, CostStore store, PendingRequests pending, RollupListener listener,
      TraceCoster.Counters counters) {
    this.log = log;
    this.store = store;
    this.pending = pending;
    this.listener = listener;
    this.counters = counters;
  }

  Claims claims() {
    return claims;
  }

  /**
   * Hands a group to the store thread, waiting while {@link #MAX_IN_FLIGHT} groups are not stored.
   *
   * @return whether it was handed over (the store step then releases the claim on its traces)
   */
  boolean handOver(StoreJob job) {
    try {
      inFlight.acquire();
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return false;
    }
    boolean handedOver = false;
    try {
      jobs.add(job);
      thread.execute(this::storeWaiting);
      handedOver = true;
    } catch (RuntimeException ex) {
      LOG.log(Level.WARNING, "storing " + job.ids().size() + " traces failed; they stay pending",
          ex);
    } finally {
      if (!handedOver && !jobs.remove(job)) {
        handedOver = true; // an earlier hand-over's run of the store thread took it
      }
      if (!handedOver) {
        inFlight.release();
      }
    }
    return handedOver;
  }

  /** Waits until every group handed over is stored (or failed). */
  void awaitStored() {
    try {
      inFlight.acquire(MAX_IN_FLIGHT);
      inFlight.release(MAX_IN_FLIGHT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Rollups not stored (they stay pending and are rolled up again on the next start). */
  long notStored() {
    return notStored.sum();
  }

  /** Waits for what was handed over, then stops the thread. */
  void close() {
    awaitStored();
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void storeWaiting() {
    List<StoreJob> group = new ArrayList<>();
    int traces = 0;
    StoreJob job;
    while (traces < MAX_TRACES_PER_STORE && (job = jobs.poll()) != null) {
      group.add(job);
      traces += job.rollups().size();
    }
    if (group.isEmpty()) {
      return;
    }
    try {
      store(group);
    } finally {
      for (StoreJob j : group) {
        claims.release(j.ids());
        inFlight.release();
      }
    }
  }

  private void store(List<StoreJob> group) {
    // per request: traces of it stored by this write, and whether a rollup of one of them failed
    Map<Long, Integer> closing = new HashMap<>();
    Set<Long> failed = new HashSet<>();
    List<Rollup> rollups = new ArrayList<>();
    List<String> complete = new ArrayList<>();
    long duplicates = 0;
    for (StoreJob job : group) {
      rollups.addAll(job.rollups());
      job.closing().forEach((request, count) -> {
        if (job.failed().contains(request)) {
          failed.add(request);
        } else {
          closing.merge(request, count, Integer::sum);
        }
      });
      for (Rollup r : job.rollups()) {
        if (r.complete()) {
          complete.add(r.traceId());
        }
      }
      duplicates += job.duplicates();
    }
    try {
      if (!rollups.isEmpty()) {
        store.write(rollups);
      }
    } catch (Exception ex) {
      // Their requests stay pending; what counted their traces as open lets go of them, so that
      // rolling the requests up again (the pipeline's retry, or the next start) can finish them.
      Map<Long, Integer> released = new HashMap<>(closing);
      for (StoreJob job : group) {
        job.closing().forEach((request, count) -> {
          if (job.failed().contains(request)) {
            released.merge(request, count, Integer::sum);
          }
        });
      }
      pending.stored(released, released.keySet(), List.of());
      notStored.add(rollups.size());
      LOG.log(Level.WARNING, "storing " + rollups.size() + " trace rollups failed; they stay pending"
          + " and are rolled up again", ex);
      return;
    }
    List<Long> done = pending.stored(closing, failed, complete);
    try {
      log.markDone(done);
    } catch (RuntimeException ex) {
      LOG.log(Level.WARNING, "the rollups of " + done.size() + " received requests are stored,"
          + " but the requests could not be marked done; they stay pending", ex);
    }
    counters.duplicates(duplicates);
    List<StoredRollup> stored = new ArrayList<>(rollups.size());
    for (StoreJob job : group) {
      for (int i = 0; i < job.rollups().size(); i++) {
        stored.add(new StoredRollup(job.rollups().get(i), job.previous().get(i),
            job.fresh().get(i)));
      }
    }
    if (stored.isEmpty()) {
      return;
    }
    try {
      listener.stored(stored);
    } catch (RuntimeException ex) {
      LOG.log(Level.WARNING, "a listener of stored rollups failed", ex);
    }
  }
}
