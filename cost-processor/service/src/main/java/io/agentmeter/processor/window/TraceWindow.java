package io.agentmeter.processor.window;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.ClosedTrace;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Holds the traces being assembled and closes each when it is done: its root span has ended and a
 * short grace has passed since (or since its last span, if later), or nothing arrived for the idle
 * timeout, or the window holds more traces than its bound (oldest first, closed incomplete rather
 * than dropped). Closed traces go downstream in groups. A span arriving after its trace closed
 * opens it again; if the trace was stored whole lately, it closes after the grace.
 *
 * <p>Time comes from an injected clock; nothing here sleeps or schedules: {@link #closeDue} is
 * called on a tick by a {@link Closer} (or by a test, after moving its clock). Traces closed for
 * the bound are handed to the closer's thread so ingest does not roll them up.
 */
public final class TraceWindow {

  private static final Logger LOG = Logger.getLogger(TraceWindow.class.getName());
  /** Closed traces handed downstream at a time. */
  private static final int GROUP = 1_000;

  private final Consumer<List<ClosedTrace>> downstream;
  private final PendingRequests pending;
  private final LongSupplier clock;
  private final Executor closer;
  private final long graceNanos;
  private final long idleNanos;
  private final Duration tick;
  private final int maxOpen;
  private final int maxOpenSpans;
  /** Open traces, oldest first (guarded by itself). */
  private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();
  /** Spans in open traces and in traces closed but not handed downstream yet (guarded by open). */
  private int openSpans;
  /** Open spans past which the oldest traces close: three quarters of the bound ingest waits at. */
  private final int closeAtSpans;
  private final LongAdder downstreamFailures = new LongAdder();

  private static final class Open {
    final List<IncomingSpan> spans = new ArrayList<>();
    final List<Long> batches = new ArrayList<>(1);
    boolean recovered;
    boolean rootSeen;
    long lastSeen;
    long rootSeenAt;
  }

  private TraceWindow(Builder b) {
    this.downstream = b.downstream;
    this.pending = b.pending;
    this.clock = b.clock;
    this.closer = b.closer;
    this.graceNanos = b.grace.toNanos();
    this.idleNanos = b.idleTimeout.toNanos();
    // Short: time the closer waits for the next tick while traces are due is time ingest may wait
    // for room.
    this.tick = Duration.ofMillis(Math.max(5, Math.min(b.grace.toMillis() / 10, 20)));
    this.maxOpen = b.maxOpenTraces;
    this.maxOpenSpans = b.maxOpenSpans;
    this.closeAtSpans = b.maxOpenSpans / 4 * 3;
  }

  /**
   * @param downstream takes closed traces (on the closer's thread, or on a caller of
   *     {@link #closeDue} or {@link #closeAll}); it should not throw: what it throws is logged
   * @param pending where the stored requests of open traces are counted
   */
  public static Builder builder(Consumer<List<ClosedTrace>> downstream, PendingRequests pending) {
    return new Builder(downstream, pending);
  }

  /** Settings of a {@link TraceWindow}. */
  public static final class Builder {
    private final Consumer<List<ClosedTrace>> downstream;
    private final PendingRequests pending;
    private LongSupplier clock = System::nanoTime;
    private Executor closer = Runnable::run;
    private Duration grace = Duration.ofSeconds(2);
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxOpenTraces = 50_000;
    private int maxOpenSpans = 100_000;

    private Builder(Consumer<List<ClosedTrace>> downstream, PendingRequests pending) {
      this.downstream = downstream;
      this.pending = pending;
    }

    /** Nanoseconds from some fixed origin, as {@link System#nanoTime} (the default). */
    public Builder setClock(LongSupplier nanos) {
      this.clock = nanos;
      return this;
    }

    /**
     * Where traces closed for the bound, and a {@link #flush}, are run (default: on the caller).
     */
    public Builder setCloser(Executor closer) {
      this.closer = closer;
      return this;
    }

    /** How long after the root span arrives the trace is closed. */
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

    /** How many traces may be open before the oldest are closed. */
    public Builder setMaxOpenTraces(int maxOpenTraces) {
      this.maxOpenTraces = maxOpenTraces;
      return this;
    }

    public TraceWindow build() {
      return new TraceWindow(this);
    }
  }

  /** How often {@link #closeDue} should run for traces to close on time. */
  public Duration tick() {
    return tick;
  }

  /** Spans just stored: opens or adds to their traces. */
  public void accept(List<IncomingSpan> spans) {
    accept(spans, false);
  }

  /**
   * Opens the traces of spans stored but never rolled up (after a crash): they close after the
   * grace, and are rolled up with what earlier rollups of their traces stored.
   *
   * @return how many traces they belong to
   */
  public int recover(List<IncomingSpan> spans) {
    Set<String> traces = new HashSet<>();
    for (IncomingSpan span : spans) {
      traces.add(span.record().traceId());
    }
    accept(spans, true);
    return traces.size();
  }

  /**
   * Opens the traces of every request {@code log} holds pending; see {@link #recover(List)}.
   *
   * @return how many traces were pending (0 when the log cannot be read: they stay pending)
   */
  public int recover(RequestLog log) {
    try {
      return recover(log.pending());
    } catch (StorageException | RuntimeException e) {
      LOG.log(Level.WARNING, "cannot read the pending requests", e);
      return 0;
    }
  }

  private void accept(List<IncomingSpan> spans, boolean recovered) {
    long now = clock.getAsLong();
    List<Map.Entry<String, Open>> overflow = new ArrayList<>();
    synchronized (open) {
      for (IncomingSpan span : spans) {
        String traceId = span.record().traceId();
        Open trace = open.get(traceId);
        if (trace == null) {
          trace = new Open();
          open.put(traceId, trace);
          if (pending.recentlyComplete(traceId)) {
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
          pending.traceOpened(batch);
        }
        if ((recovered || span.record().isRoot()) && !trace.rootSeen) {
          trace.recovered = recovered;
          trace.rootSeen = true;
          trace.rootSeenAt = now;
        }
      }
      // Past either bound the oldest traces close now: by count, and by spans well before ingest
      // would have to wait for room, those idle for a grace at least (traces that never get a
      // root must not hold senders until their idle timeout; traces still receiving spans, or
      // waiting out their grace while rollups are behind, are left to close as usual, since
      // closing them early would only roll them up twice).
      int overflowSpans = 0;
      while (!open.isEmpty()) {
        Iterator<Map.Entry<String, Open>> oldest = open.entrySet().iterator();
        Map.Entry<String, Open> trace = oldest.next();
        boolean overCount = open.size() > maxOpen;
        boolean overSpans = openSpans - overflowSpans > closeAtSpans
            && now - trace.getValue().lastSeen >= graceNanos;
        if (!overCount && !overSpans) {
          break;
        }
        overflowSpans += trace.getValue().spans.size();
        overflow.add(trace);
        oldest.remove();
      }
    }
    // Over the bound: the oldest traces are rolled up now, incomplete, rather than dropped.
    if (!overflow.isEmpty()) {
      try {
        closer.execute(() -> hand(overflow, true));
      } catch (RejectedExecutionException e) {
        LOG.log(Level.WARNING, "the closer has stopped: " + overflow.size()
            + " traces stay pending", e);
        released(overflow);
      }
    }
  }

  /**
   * Waits while open traces hold {@code maxOpenSpans} spans or more, so that ingest cannot run
   * ahead of rollups (memory stays bounded; senders see a slower acknowledgement instead). The wait
   * is in real time, whatever the clock.
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

  /** Closes the traces that are done by the clock now and hands them downstream. */
  public void closeDue() {
    long now = clock.getAsLong();
    List<Map.Entry<String, Open>> due = new ArrayList<>();
    synchronized (open) {
      int dueSpans = 0;
      Iterator<Map.Entry<String, Open>> it = open.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Open> e = it.next();
        Open t = e.getValue();
        boolean rootDone = t.rootSeen && now - Math.max(t.rootSeenAt, t.lastSeen) >= graceNanos;
        boolean idle = now - t.lastSeen >= idleNanos;
        if (rootDone || idle) {
          due.add(e);
          dueSpans += t.spans.size();
          it.remove();
        }
      }
      // Past three quarters of the span bound, traces idle for a grace close too, oldest first
      // (rootless ones would otherwise wait for their idle timeout while ingest waits for room).
      it = open.entrySet().iterator();
      while (openSpans - dueSpans > closeAtSpans && it.hasNext()) {
        Map.Entry<String, Open> e = it.next();
        if (now - e.getValue().lastSeen >= graceNanos) {
          due.add(e);
          dueSpans += e.getValue().spans.size();
          it.remove();
        }
      }
    }
    handInGroups(due);
  }

  /** Closes every open trace now and hands them downstream, on the caller's thread. */
  public void closeAll() {
    List<Map.Entry<String, Open>> all;
    synchronized (open) {
      all = new ArrayList<>(open.entrySet());
      open.clear();
    }
    handInGroups(all);
  }

  /**
   * Closes every open trace now (on shutdown, and for tests and replays) on the closer, and waits
   * until they are handed downstream: traces the closer took before are handed first. Runs on the
   * caller once the closer has stopped.
   */
  public void flush() {
    try {
      CompletableFuture.runAsync(this::closeAll, closer).get();
    } catch (RejectedExecutionException e) {
      closeAll(); // the closer has stopped: nothing else takes traces
    } catch (ExecutionException e) {
      LOG.log(Level.WARNING, "flushing open traces failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How often what is downstream threw (the traces it was handed stay pending). */
  public long downstreamFailures() {
    return downstreamFailures.sum();
  }

  private void handInGroups(List<Map.Entry<String, Open>> traces) {
    for (int i = 0; i < traces.size(); i += GROUP) {
      hand(traces.subList(i, Math.min(traces.size(), i + GROUP)), false);
    }
  }

  /**
   * Hands closed traces downstream; then their spans no longer count against the open-span bound.
   *
   * @param overflow whether they were closed for the bound (then incomplete unless their root is
   *     among the spans rolled up)
   */
  private void hand(List<Map.Entry<String, Open>> traces, boolean overflow) {
    try {
      List<ClosedTrace> closed = new ArrayList<>(traces.size());
      for (Map.Entry<String, Open> e : traces) {
        Open t = e.getValue();
        closed.add(new ClosedTrace(e.getKey(), t.spans, t.batches,
            !overflow && t.rootSeen && !t.recovered, t.recovered));
      }
      downstream.accept(closed);
    } catch (RuntimeException e) {
      downstreamFailures.increment();
      LOG.log(Level.WARNING, "closing " + traces.size() + " traces failed; they stay pending", e);
    } finally {
      released(traces);
    }
  }

  private void released(List<Map.Entry<String, Open>> traces) {
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
