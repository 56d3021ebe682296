package io.agentmeter.processor.assemble;

import io.agentmeter.processor.model.Rollup;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.rollup.CostAttributes;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.forward.Forwarder;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.metrics.Metrics.CostLabels;
import io.agentmeter.processor.metrics.Metrics.TokenLabels;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.otlp.SpanConverter;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Assembles stored spans into traces and rolls each trace up when it is done: its root span has
 * ended and a short grace has passed, or nothing arrived for the idle timeout, or the buffer is full
 * (oldest first). A span arriving after its trace closed amends the stored rollup: the trace is
 * rolled up again from every stored span, never started afresh. Traces whose spans are stored but
 * not rolled up (a crash) are finished on start.
 */
public final class TraceAssembler implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(TraceAssembler.class.getName());
  private static final String GEN_AI_USAGE_COST = "gen_ai.usage.cost";

  private final CostEngine engine;
  private final RequestLog log;
  private final CostStore store;
  private final Metrics metrics;
  private final @Nullable Forwarder forwarder;
  private final boolean writeGenAiCost;
  private final long graceNanos;
  private final long idleNanos;
  private final int maxOpen;
  private final int maxOpenSpans;
  /** Spans in open traces (guarded by open). */
  private int openSpans;
  private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();
  /** Per stored batch not yet done: how many of its traces are still open (guarded by open). */
  private final HashMap<Long, int[]> openTracesPerBatch = new HashMap<>();
  /**
   * Traces recently stored with their root (guarded by open): a span of one of them is late, and
   * the trace is rolled up again after the grace instead of waiting for the idle timeout.
   */
  private final LinkedHashMap<String, Boolean> recentlyComplete = new LinkedHashMap<>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 50_000;
    }
  };
  private final ScheduledExecutorService closer;
  private static final int MAX_IN_FLIGHT = 3;
  private static final int MAX_TRACES_PER_STORE = 5_000;
  private final java.util.concurrent.ConcurrentLinkedQueue<StoreJob> pendingStores =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.ExecutorService storer;
  private final java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);
  /** Traces claimed by a rollup not stored yet (guarded by itself). */
  private final java.util.Set<String> storing = new java.util.HashSet<>();

  private static final class Open {
    final List<IncomingSpan> spans = new ArrayList<>();
    final List<Long> batches = new ArrayList<>(1);
    boolean recovered;
    boolean rootSeen;
    long lastSeen;
    long rootSeenAt;
  }

  private TraceAssembler(Builder b) {
    this.engine = b.engine;
    this.log = b.log;
    this.store = b.store;
    this.metrics = b.metrics;
    this.forwarder = b.forwarder;
    this.writeGenAiCost = b.writeGenAiCost;
    this.graceNanos = b.grace.toNanos();
    this.idleNanos = b.idleTimeout.toNanos();
    this.maxOpen = b.maxOpenTraces;
    this.maxOpenSpans = b.maxOpenSpans;
    metrics.tracesOpen(this::openTraces);
    this.closer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "agentmeter-trace-closer");
      t.setDaemon(true);
      return t;
    });
    // Short: the closer is the one thread that rolls up and stores, and time it spends waiting
    // for the next tick while traces are due is time ingest may wait for room.
    this.storer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "agentmeter-rollup-store");
      t.setDaemon(true);
      return t;
    });
    long tick = Math.max(5, Math.min(b.grace.toMillis() / 10, 20));
    closer.scheduleWithFixedDelay(this::closeDue, tick, tick, TimeUnit.MILLISECONDS);
  }

  public static Builder builder(CostEngine engine, RequestLog log, CostStore store,
      Metrics metrics) {
    return new Builder(engine, log, store, metrics);
  }

  /** Settings of a {@link TraceAssembler}. */
  public static final class Builder {
    private final CostEngine engine;
    private final RequestLog log;
    private final CostStore store;
    private final Metrics metrics;
    private @Nullable Forwarder forwarder;
    private boolean writeGenAiCost;
    private Duration grace = Duration.ofSeconds(2);
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxOpenTraces = 50_000;
    private int maxOpenSpans = 100_000;

    private Builder(CostEngine engine, RequestLog log, CostStore store, Metrics metrics) {
      this.engine = engine;
      this.log = log;
      this.store = store;
      this.metrics = metrics;
    }

    public Builder setForwarder(@Nullable Forwarder forwarder) {
      this.forwarder = forwarder;
      return this;
    }

    /** Also write {@code gen_ai.usage.cost} on forwarded priced spans that lack it. */
    public Builder setWriteGenAiUsageCost(boolean write) {
      this.writeGenAiCost = write;
      return this;
    }

    /** How long after the root span arrives the trace is rolled up. */
    public Builder setGrace(Duration grace) {
      this.grace = grace;
      return this;
    }

    /** How long a trace without a root may wait for more spans. */
    public Builder setIdleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /** How many spans open traces may hold before {@link #awaitCapacity} makes ingest wait. */
    public Builder setMaxOpenSpans(int maxOpenSpans) {
      this.maxOpenSpans = maxOpenSpans;
      return this;
    }

    public Builder setMaxOpenTraces(int maxOpenTraces) {
      this.maxOpenTraces = maxOpenTraces;
      return this;
    }

    public TraceAssembler build() {
      return new TraceAssembler(this);
    }
  }

  /** Spans just stored: opens or amends their traces. */
  public void accept(List<IncomingSpan> spans) {
    accept(spans, false);
  }

  private void accept(List<IncomingSpan> spans, boolean recovered) {
    long now = System.nanoTime();
    List<Map.Entry<String, Open>> overflow = new ArrayList<>();
    synchronized (open) {
      for (IncomingSpan span : spans) {
        String traceId = span.record().traceId();
        Open trace = open.get(traceId);
        if (trace == null) {
          trace = new Open();
          open.put(traceId, trace);
          if (recentlyComplete.containsKey(traceId)) {
            trace.rootSeen = true;
            trace.rootSeenAt = now;
          }
        }
        trace.lastSeen = now;
        trace.spans.add(span);
        openSpans++;
        long batch = span.batchId();
        if (batch != IncomingSpan.NOT_STORED && !trace.batches.contains(batch)) {
          trace.batches.add(batch);
          openTracesPerBatch.computeIfAbsent(batch, k -> new int[1])[0]++;
        }
        if ((recovered || span.record().isRoot()) && !trace.rootSeen) {
          trace.recovered = recovered;
          trace.rootSeen = true;
          trace.rootSeenAt = now;
        }
      }
      while (open.size() > maxOpen) {
        Iterator<Map.Entry<String, Open>> oldest = open.entrySet().iterator();
        Map.Entry<String, Open> eldest = oldest.next();
        overflow.add(eldest);
        oldest.remove();
      }
    }
    // Over capacity: the oldest traces are rolled up now, incomplete, rather than dropped.
    if (!overflow.isEmpty()) {
      closer.execute(() -> rollUpAll(overflow, false));
    }
  }

  /**
   * Finishes traces whose spans were stored but never rolled up (after a crash): the spans of
   * every pending batch are assembled again and rolled up after the grace, merged with what earlier
   * rollups of their traces stored.
   *
   * @return how many traces were pending
   */
  public int recover() {
    List<IncomingSpan> pending;
    try {
      pending = log.pending();
    } catch (io.agentmeter.processor.model.StorageException e) {
      LOG.log(Level.WARNING, "cannot read the pending batches", e);
      return 0;
    }
    java.util.Set<String> traces = new java.util.HashSet<>();
    for (IncomingSpan span : pending) {
      traces.add(span.record().traceId());
    }
    accept(pending, true);
    return traces.size();
  }

  /**
   * Waits while open traces hold {@code maxOpenSpans} spans or more, so that ingest cannot run
   * ahead of rollups (memory stays bounded; senders see a slower acknowledgement instead).
   *
   * @return whether there is room now
   */
  public boolean awaitCapacity(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    synchronized (open) {
      while (openSpans >= maxOpenSpans) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        open.wait(Math.max(1, left / 1_000_000L));
      }
      return true;
    }
  }

  /** Traces being assembled. */
  public long openTraces() {
    synchronized (open) {
      return open.size();
    }
  }

  /**
   * Rolls every open trace up now (on shutdown, and for tests and replays) and waits until they
   * are stored. Runs on the closer thread while it runs, so that traces it took before are handed
   * to the store thread first and are stored when this returns too.
   */
  public void flush() {
    try {
      closer.submit(this::flushOpen).get();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      flushOpen(); // the closer has stopped: nothing else takes traces
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.log(Level.WARNING, "flushing open traces failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    awaitStored();
  }

  private void flushOpen() {
    List<Map.Entry<String, Open>> all;
    synchronized (open) {
      all = new ArrayList<>(open.entrySet());
      open.clear();
    }
    for (int i = 0; i < all.size(); i += 1_000) {
      rollUpAll(all.subList(i, Math.min(all.size(), i + 1_000)), null);
    }
  }

  private void closeDue() {
    try {
      long now = System.nanoTime();
      List<Map.Entry<String, Open>> due = new ArrayList<>();
      synchronized (open) {
        Iterator<Map.Entry<String, Open>> it = open.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<String, Open> e = it.next();
          Open t = e.getValue();
          boolean rootDone = t.rootSeen && now - Math.max(t.rootSeenAt, t.lastSeen) >= graceNanos;
          boolean idle = now - t.lastSeen >= idleNanos;
          if (rootDone || idle) {
            due.add(e);
            it.remove();
          }
        }
      }
      for (int i = 0; i < due.size(); i += 1_000) {
        rollUpAll(due.subList(i, Math.min(due.size(), i + 1_000)), null);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "closing traces failed", e);
    }
  }

  /**
   * Rolls traces (already taken out of the open ones) up and stores them all in one ledger
   * transaction; then their spans no longer count against the open-span bound.
   */
  private void rollUpAll(List<Map.Entry<String, Open>> traces, @Nullable Boolean completeOverride) {
    try {
      rollUpAndStore(traces, completeOverride);
    } finally {
      int spans = 0;
      for (Map.Entry<String, Open> e : traces) {
        spans += e.getValue().spans.size();
      }
      synchronized (open) {
        openSpans -= spans;
        open.notifyAll();
      }
    }
  }

  private void rollUpAndStore(List<Map.Entry<String, Open>> traces,
      @Nullable Boolean completeOverride) {
    List<String> ids = new ArrayList<>(traces.size());
    for (Map.Entry<String, Open> e : traces) {
      ids.add(e.getKey());
    }
    if (!claim(ids)) {
      return;
    }
    boolean handedOver = false;
    try {
      handedOver = rollUpClaimed(traces, ids, completeOverride);
    } finally {
      if (!handedOver) {
        // not stored: the spans stay pending in the ledger, and the traces can close again
        release(ids);
      }
    }
  }

  /**
   * Rolls claimed traces up and hands them to the store thread.
   *
   * @return whether they were handed over (the store thread then releases the claim)
   */
  private boolean rollUpClaimed(List<Map.Entry<String, Open>> traces, List<String> ids,
      @Nullable Boolean completeOverride) {
    List<Rollup> rollups = new ArrayList<>(traces.size());
    List<List<IncomingSpan>> unsent = new ArrayList<>(traces.size());
    List<@Nullable Contributions> before = new ArrayList<>(traces.size());
    Map<Long, int[]> closing = new HashMap<>();
    long duplicates = 0;
    java.util.Set<String> rolledUpBefore;
    try {
      rolledUpBefore = store.rolledUp(ids);
    } catch (io.agentmeter.processor.model.StorageException ex) {
      LOG.log(Level.WARNING, "cannot read which of " + traces.size() + " traces were rolled up"
          + " before; they stay pending", ex);
      return false;
    }
    for (Map.Entry<String, Open> e : traces) {
      String traceId = e.getKey();
      Open trace = e.getValue();
      for (long batch : trace.batches) {
        closing.computeIfAbsent(batch, k -> new int[1])[0]++;
      }
      try {
        // A trace rolled up before (a late span, a re-delivery, a restart) is rolled up again from
        // everything stored, each distinct delivery once.
        List<IncomingSpan> stored = rolledUpBefore.contains(traceId)
            ? StoredSpans.of(store, log, traceId) : List.of();
        Distinct distinct = new Distinct(stored.size() + trace.spans.size());
        for (IncomingSpan span : stored) {
          distinct.add(span, true);
        }
        List<IncomingSpan> fresh = new ArrayList<>(trace.spans.size());
        for (IncomingSpan span : trace.spans) {
          if (distinct.add(span, false)) {
            fresh.add(span);
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
        boolean complete = completeOverride != null ? completeOverride || rootPresent
            : (trace.rootSeen && !trace.recovered) || rootPresent;
        // Claimed: no other rollup of the trace is stored until this one is, so one not rolled
        // up before is new to the ledger.
        rollups.add(new Rollup(traceId, rollup.result(), spans, complete,
            rolledUpBefore.contains(traceId)));
        unsent.add(fresh);
        before.add(stored.isEmpty() ? null : contributions(rollupOf(stored), new Contributions()));
      } catch (Exception ex) {
        // The spans stay stored and pending; the next start rolls the trace up.
        LOG.log(Level.WARNING, "rollup of trace " + traceId + " failed", ex);
        for (long batch : trace.batches) {
          closing.get(batch)[0] = Integer.MIN_VALUE / 2;
        }
      }
    }
    try {
      inFlight.acquire();
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return false;
    }
    StoreJob job = null;
    boolean handedOver = false;
    try {
      // Stored by a thread of its own, so that the next traces are rolled up while these are
      // written; groups are stored in order. The metrics' contributions are computed here; the
      // rows by the store thread, outside the ledger's writer and just before they are written
      // (rows made here would wait in memory through young collections while earlier groups are
      // stored).
      Contributions added = new Contributions();
      for (int i = 0; i < rollups.size(); i++) {
        Contributions earlier = before.get(i);
        if (earlier == null) {
          contributions(rollups.get(i).result(), added);
        } else {
          addDelta(added, contributions(rollups.get(i).result(), new Contributions()), earlier);
        }
      }
      job = new StoreJob(ids, rollups, closing, unsent, added, duplicates);
      pendingStores.add(job);
      storer.execute(this::storePending);
      handedOver = true;
    } catch (RuntimeException ex) {
      LOG.log(Level.WARNING, "rollup of " + traces.size() + " traces failed; they stay pending", ex);
    } finally {
      if (!handedOver && job != null && !pendingStores.remove(job)) {
        handedOver = true; // an earlier hand-over's run of the store thread took it
      }
      if (!handedOver) {
        inFlight.release();
      }
    }
    return handedOver;
  }

  /** One rollup group handed to the store thread. */
  private record StoreJob(List<String> ids, List<Rollup> rollups,
      Map<Long, int[]> closing, List<List<IncomingSpan>> unsent, Contributions added,
      long duplicates) {}

  /**
   * Stores every group waiting (up to {@link #MAX_TRACES_PER_STORE} traces) in one transaction:
   * under load the closer hands over small groups faster than each could be committed on its own,
   * and a commit's cost is largely per transaction (pages rewritten, the log's frames).
   */
  private void storePending() {
    List<StoreJob> jobs = new ArrayList<>();
    int traces = 0;
    StoreJob job;
    while (traces < MAX_TRACES_PER_STORE && (job = pendingStores.poll()) != null) {
      jobs.add(job);
      traces += job.rollups().size();
    }
    if (jobs.isEmpty()) {
      return;
    }
    try {
      store(jobs);
    } finally {
      for (StoreJob j : jobs) {
        release(j.ids());
        inFlight.release();
      }
    }
  }

  /**
   * Claims traces for one rollup: waits while any of them is claimed by a rollup not stored yet
   * (a trace closing again, or closed by a flush on another thread), so that a trace has at most
   * one rollup between reading whether it was rolled up before and storing.
   *
   * @return whether the traces are claimed ({@code false}: interrupted)
   */
  private boolean claim(List<String> ids) {
    while (true) {
      synchronized (storing) {
        if (java.util.Collections.disjoint(storing, ids)) {
          storing.addAll(ids);
          return true;
        }
      }
      awaitStored();
      synchronized (storing) {
        if (!java.util.Collections.disjoint(storing, ids)) {
          try {
            storing.wait(10);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
      }
    }
  }

  private void release(List<String> ids) {
    synchronized (storing) {
      storing.removeAll(ids);
      storing.notifyAll();
    }
  }

  /**
   * A trace's distinct deliveries (span id and content fingerprint), in the order first seen. Span
   * ids are compared first; fingerprints only once some span id has come twice, so a trace without
   * re-deliveries never hashes them.
   */
  private static final class Distinct {
    final List<IncomingSpan> spans;
    private final java.util.Set<String> spanIds;
    /** Where each delivery is in {@link #spans}; made at the first span id seen twice. */
    private @Nullable Map<IncomingSpan.DeliveryKey, Integer> deliveries;

    Distinct(int expected) {
      spans = new ArrayList<>(expected);
      spanIds = new java.util.HashSet<>(expected * 4 / 3 + 1);
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

  /** Waits until every rollup handed to the store thread is stored (or failed). */
  private void awaitStored() {
    try {
      inFlight.acquire(MAX_IN_FLIGHT);
      inFlight.release(MAX_IN_FLIGHT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void store(List<StoreJob> jobs) {
    // per batch: traces of it closing in these jobs, and whether a rollup of one of them failed
    Map<Long, int[]> closing = new HashMap<>();
    List<Rollup> rollups = new ArrayList<>();
    for (StoreJob job : jobs) {
      rollups.addAll(job.rollups());
      job.closing().forEach((batch, count) -> {
        int[] sum = closing.computeIfAbsent(batch, k -> new int[2]);
        if (count[0] > 0) {
          sum[0] += count[0];
        } else {
          sum[1] = 1;
        }
      });
    }
    List<Long> done = new ArrayList<>();
    synchronized (open) {
      closing.forEach((batch, count) -> {
        int[] left = openTracesPerBatch.get(batch);
        if (left != null && count[1] == 0 && count[0] > 0 && left[0] == count[0]) {
          done.add(batch);
        }
      });
    }
    try {
      // the rows are made here, just before they are written, so they die young
      store.write(rollups);
      log.markDone(done);
    } catch (Exception ex) {
      LOG.log(Level.WARNING, "storing " + rollups.size() + " trace rollups failed; they stay pending",
          ex);
      return;
    }
    synchronized (open) {
      closing.forEach((batch, count) -> {
        int[] left = openTracesPerBatch.get(batch);
        if (left != null && count[0] > 0) {
          left[0] -= count[0];
          if (left[0] <= 0) {
            openTracesPerBatch.remove(batch);
          }
        }
      });
      for (StoreJob job : jobs) {
        for (Rollup r : job.rollups()) {
          if (r.complete()) {
            recentlyComplete.put(r.traceId(), Boolean.TRUE);
          }
        }
      }
    }
    for (StoreJob job : jobs) {
      metrics.duplicates(job.duplicates());
      publishMetrics(job.added());
      for (int i = 0; i < job.rollups().size(); i++) {
        Rollup r = job.rollups().get(i);
        metrics.traceClosed();
        if (forwarder != null && !job.unsent().get(i).isEmpty()) {
          try {
            forward(r.result(), job.unsent().get(i));
          } catch (Exception ex) {
            LOG.log(Level.FINE, "forwarding trace " + r.traceId() + " failed", ex);
          }
        }
      }
    }
  }


  private RollupResult rollupOf(List<IncomingSpan> spans) {
    TraceRollup rollup = engine.newRollup();
    for (IncomingSpan span : spans) {
      rollup.add(span.record());
    }
    return rollup.result();
  }

  /**
   * What rollups add to the monotonic counters, by label set: cost by agent share, input and output
   * tokens, unpriced spans. Every amount is positive or absent (no update for nothing).
   */
  private static final class Contributions {
    final Map<CostLabels, BigDecimal> cost = new HashMap<>();
    /** Input and output tokens of priced spans. */
    final Map<TokenKey, long[]> tokens = new HashMap<>();
    /** Unpriced spans by model. */
    final Map<String, int[]> unpriced = new HashMap<>();

    void addCost(CostLabels labels, BigDecimal amount) {
      if (amount.signum() > 0) {
        cost.merge(labels, amount, BigDecimal::add);
      }
    }

    void addTokens(TokenKey key, long input, long output) {
      if (input > 0 || output > 0) {
        long[] sum = tokens.computeIfAbsent(key, k -> new long[2]);
        sum[0] += input;
        sum[1] += output;
      }
    }

    void addUnpriced(String model, int count) {
      if (count > 0) {
        unpriced.computeIfAbsent(model, k -> new int[1])[0] += count;
      }
    }
  }

  /** The labels of the token counters but the kind (input, output). */
  private record TokenKey(String agent, String model, String provider, String client) {}

  /** Adds what a rollup adds to the monotonic counters to {@code into}, which it returns. */
  private static Contributions contributions(RollupResult result, Contributions into) {
    for (SpanOutcome s : result.spans()) {
      if (s.status() != CostStatus.PRICED && s.status() != CostStatus.UNPRICED) {
        continue;
      }
      String model = s.model() == null ? "unknown" : s.model();
      if (s.status() == CostStatus.UNPRICED) {
        into.addUnpriced(model, 1);
        continue;
      }
      String provider = s.provider() == null ? "unknown" : s.provider();
      for (Map.Entry<String, BigDecimal> share : s.agentShares().entrySet()) {
        into.addCost(new CostLabels(share.getKey(), model, provider, s.client(), result.currency()),
            share.getValue());
      }
      into.addTokens(new TokenKey(s.agent(), model, provider, s.client()), s.inputTokens(),
          s.outputTokens());
    }
    return into;
  }

  /**
   * Adds to {@code sum} what a trace rolled up again adds to the monotonic counters: only what it
   * adds to the earlier rollup of the same stored spans, label set by label set.
   */
  private static void addDelta(Contributions sum, Contributions now, Contributions before) {
    for (Map.Entry<CostLabels, BigDecimal> e : now.cost.entrySet()) {
      sum.addCost(e.getKey(),
          e.getValue().subtract(before.cost.getOrDefault(e.getKey(), BigDecimal.ZERO)));
    }
    for (Map.Entry<TokenKey, long[]> e : now.tokens.entrySet()) {
      long[] earlier = before.tokens.getOrDefault(e.getKey(), new long[2]);
      sum.addTokens(e.getKey(), Math.max(0, e.getValue()[0] - earlier[0]),
          Math.max(0, e.getValue()[1] - earlier[1]));
    }
    for (Map.Entry<String, int[]> e : now.unpriced.entrySet()) {
      int[] earlier = before.unpriced.getOrDefault(e.getKey(), new int[1]);
      sum.addUnpriced(e.getKey(), e.getValue()[0] - earlier[0]);
    }
  }

  /** Adds a stored group's summed contributions to the counters, one update per label set. */
  private void publishMetrics(Contributions added) {
    added.cost.forEach(metrics::addCost);
    added.tokens.forEach((key, counts) -> {
      metrics.addTokens(
          new TokenLabels(key.agent(), key.model(), key.provider(), key.client(), "input"), counts[0]);
      metrics.addTokens(
          new TokenLabels(key.agent(), key.model(), key.provider(), key.client(), "output"), counts[1]);
    });
    added.unpriced.forEach((model, count) -> {
      for (int i = 0; i < count[0]; i++) {
        metrics.unpriced(model);
      }
    });
  }

  private void forward(RollupResult result, List<IncomingSpan> spans) throws Exception {
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
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        // stored and costed, but a part the receiver does not read (an attribute value, an
        // event) is malformed: this span cannot be sent on; the rest of its trace is
        LOG.log(Level.FINE, "span " + span.record().spanId() + " of trace "
            + span.record().traceId() + " cannot be forwarded", e);
        metrics.forwardDropped(1);
        continue;
      }
      SpanOutcome outcome = outcomes.get(span.record().spanId() + '@' + span.record().startEpochNanos());
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
        builder.addAttributes(KeyValue.newBuilder().setKey(a.getKey()).setValue(anyValue(a.getValue())));
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

  @Override
  public void close() {
    closer.shutdown();
    try {
      closer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
    storer.shutdown();
  }
}
