package io.agentmeter.processor.assemble;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.rollup.CostAttributes;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.forward.Forwarder;
import io.agentmeter.processor.ledger.Ledger;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.metrics.Metrics.CostLabels;
import io.agentmeter.processor.metrics.Metrics.TokenLabels;
import io.agentmeter.processor.receive.IncomingSpan;
import io.agentmeter.processor.receive.SpanConverter;
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
  private final Ledger ledger;
  private final Metrics metrics;
  private final @Nullable Forwarder forwarder;
  private final boolean writeGenAiCost;
  private final long graceNanos;
  private final long idleNanos;
  private final int maxOpen;
  private final int maxClosedRemembered;
  private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();
  private final LinkedHashMap<String, Map<Object, BigDecimal>> closed;
  private final ScheduledExecutorService closer;

  private static final class Open {
    final List<IncomingSpan> spans = new ArrayList<>();
    final List<IncomingSpan> unsent = new ArrayList<>();
    boolean fromLedger;
    boolean rootSeen;
    long lastSeen;
    long rootSeenAt;
  }

  private TraceAssembler(Builder b) {
    this.engine = b.engine;
    this.ledger = b.ledger;
    this.metrics = b.metrics;
    this.forwarder = b.forwarder;
    this.writeGenAiCost = b.writeGenAiCost;
    this.graceNanos = b.grace.toNanos();
    this.idleNanos = b.idleTimeout.toNanos();
    this.maxOpen = b.maxOpenTraces;
    this.maxClosedRemembered = Math.min(b.maxOpenTraces, 10_000);
    this.closed = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Map<Object, BigDecimal>> eldest) {
        return size() > maxClosedRemembered;
      }
    };
    metrics.tracesOpen(this::openTraces);
    this.closer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "agentmeter-trace-closer");
      t.setDaemon(true);
      return t;
    });
    long tick = Math.max(10, Math.min(b.grace.toMillis(), 200));
    closer.scheduleWithFixedDelay(this::closeDue, tick, tick, TimeUnit.MILLISECONDS);
  }

  public static Builder builder(CostEngine engine, Ledger ledger, Metrics metrics) {
    return new Builder(engine, ledger, metrics);
  }

  /** Settings of a {@link TraceAssembler}. */
  public static final class Builder {
    private final CostEngine engine;
    private final Ledger ledger;
    private final Metrics metrics;
    private @Nullable Forwarder forwarder;
    private boolean writeGenAiCost;
    private Duration grace = Duration.ofSeconds(2);
    private Duration idleTimeout = Duration.ofSeconds(30);
    private int maxOpenTraces = 50_000;

    private Builder(CostEngine engine, Ledger ledger, Metrics metrics) {
      this.engine = engine;
      this.ledger = ledger;
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
    long now = System.nanoTime();
    List<String> overflow = new ArrayList<>();
    synchronized (open) {
      for (IncomingSpan span : spans) {
        String traceId = span.record().traceId();
        Open trace = open.get(traceId);
        if (trace == null) {
          trace = new Open();
          // a span of a trace already rolled up: roll it up again from everything stored
          trace.fromLedger = closed.containsKey(traceId);
          open.put(traceId, trace);
        }
        trace.lastSeen = now;
        if (!trace.fromLedger) {
          trace.spans.add(span);
        }
        trace.unsent.add(span);
        if (span.record().isRoot() && !trace.rootSeen) {
          trace.rootSeen = true;
          trace.rootSeenAt = now;
        }
      }
      while (open.size() > maxOpen) {
        Iterator<String> oldest = open.keySet().iterator();
        overflow.add(oldest.next());
        oldest.remove();
      }
    }
    // Over capacity: the oldest traces are rolled up now, incomplete, rather than dropped.
    for (String traceId : overflow) {
      closer.execute(() -> rollUp(traceId, null, false));
    }
  }

  /** Finishes traces whose spans were stored but never rolled up (after a crash). */
  public int recover() {
    List<String> pending;
    try {
      pending = ledger.pendingTraceIds();
    } catch (java.sql.SQLException e) {
      LOG.log(Level.WARNING, "cannot list pending traces", e);
      return 0;
    }
    long now = System.nanoTime();
    synchronized (open) {
      for (String traceId : pending) {
        Open trace = open.computeIfAbsent(traceId, k -> new Open());
        trace.fromLedger = true;
        trace.lastSeen = now;
        trace.rootSeen = true;
        trace.rootSeenAt = now;
      }
    }
    return pending.size();
  }

  /** Traces being assembled. */
  public long openTraces() {
    synchronized (open) {
      return open.size();
    }
  }

  /** Rolls every open trace up now (on shutdown, and for tests and replays). */
  public void flush() {
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

  private void rollUp(String traceId, @Nullable Open trace, boolean complete) {
    rollUpAll(List.of(Map.entry(traceId, trace == null ? new Open() : trace)), complete);
  }

  /** Rolls traces up and stores them all in one ledger transaction. */
  private void rollUpAll(List<Map.Entry<String, Open>> traces, @Nullable Boolean completeOverride) {
    List<Ledger.Rollup> rollups = new ArrayList<>(traces.size());
    List<List<IncomingSpan>> unsent = new ArrayList<>(traces.size());
    for (Map.Entry<String, Open> e : traces) {
      String traceId = e.getKey();
      Open trace = e.getValue();
      try {
        List<IncomingSpan> spans = trace.fromLedger || trace.spans.isEmpty()
            ? ledger.spansOf(traceId) : trace.spans;
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
            : trace.rootSeen || rootPresent;
        rollups.add(new Ledger.Rollup(traceId, rollup.result(), spans, complete));
        unsent.add(trace.unsent.isEmpty() ? spans : trace.unsent);
      } catch (Exception ex) {
        // The spans stay stored and pending; the next start rolls the trace up.
        LOG.log(Level.WARNING, "rollup of trace " + traceId + " failed", ex);
      }
    }
    try {
      ledger.store(rollups);
    } catch (Exception ex) {
      LOG.log(Level.WARNING, "storing " + rollups.size() + " trace rollups failed; they stay pending", ex);
      return;
    }
    for (int i = 0; i < rollups.size(); i++) {
      Ledger.Rollup r = rollups.get(i);
      metrics.traceClosed();
      publishMetrics(r.traceId(), r.result());
      if (forwarder != null) {
        try {
          forward(r.result(), unsent.get(i));
        } catch (Exception ex) {
          LOG.log(Level.FINE, "forwarding trace " + r.traceId() + " failed", ex);
        }
      }
    }
  }

  /** Adds what this rollup changed to the monotonic counters (late spans only add the change). */
  private void publishMetrics(String traceId, RollupResult result) {
    Map<Object, BigDecimal> now = new HashMap<>();
    for (SpanOutcome s : result.spans()) {
      String model = s.model() == null ? "unknown" : s.model();
      String provider = s.provider() == null ? "unknown" : s.provider();
      if (s.status() == CostStatus.UNPRICED) {
        now.merge("unpriced\u0000" + model, BigDecimal.ONE, BigDecimal::add);
      }
      if (s.status() != CostStatus.PRICED) {
        continue;
      }
      for (Map.Entry<String, BigDecimal> share : s.agentShares().entrySet()) {
        now.merge(new CostLabels(share.getKey(), model, provider, s.client(), result.currency()),
            share.getValue(), BigDecimal::add);
      }
      now.merge(new TokenLabels(s.agent(), model, provider, s.client(), "input"),
          BigDecimal.valueOf(s.inputTokens()), BigDecimal::add);
      now.merge(new TokenLabels(s.agent(), model, provider, s.client(), "output"),
          BigDecimal.valueOf(s.outputTokens()), BigDecimal::add);
    }
    Map<Object, BigDecimal> before;
    synchronized (closed) {
      before = closed.put(traceId, now);
    }
    for (Map.Entry<Object, BigDecimal> e : now.entrySet()) {
      BigDecimal delta = before == null ? e.getValue()
          : e.getValue().subtract(before.getOrDefault(e.getKey(), BigDecimal.ZERO));
      if (delta.signum() <= 0) {
        continue;
      }
      if (e.getKey() instanceof CostLabels labels) {
        metrics.addCost(labels, delta);
      } else if (e.getKey() instanceof TokenLabels labels) {
        metrics.addTokens(labels, delta.longValue());
      } else {
        String model = ((String) e.getKey()).substring("unpriced\u0000".length());
        for (int i = 0; i < delta.intValue(); i++) {
          metrics.unpriced(model);
        }
      }
    }
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
      ResourceSpans stored = SpanConverter.parsePayload(span.payload());
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
  }
}
