package io.agentmeter.processor.store;

import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.CounterTotals;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A cost store in memory, gone with the process: for tests, tools and trying the service out. It
 * answers as the ledger's stores do (the same grouping, filters, ordering and exact sums, the
 * same replacement of a trace's lines), from the same {@link CostLines}. Thread-safe.
 */
public final class InMemoryCostStore implements CostStore {

  private final Clock clock;
  /** Guarded by itself; by trace id, so in trace id order. */
  private final TreeMap<String, CostLines> traces = new TreeMap<>();
  /** Guarded by {@link #traces}. */
  private final Map<CostLabels, BigDecimal> reversed = new HashMap<>();
  private final Map<String, Pricing> pricings = new java.util.concurrent.ConcurrentHashMap<>();

  public InMemoryCostStore() {
    this(Clock.systemUTC());
  }

  /** @param clock when rows are made ({@link TraceRow#updatedAtMs}) */
  public InMemoryCostStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void write(Collection<Rollup> rollups) {
    Map<String, Rollup> latest = new LinkedHashMap<>();
    for (Rollup rollup : rollups) {
      latest.put(rollup.traceId(), rollup);
    }
    long now = clock.millis();
    List<CostLines> rows = new ArrayList<>(latest.size());
    for (Rollup rollup : latest.values()) {
      rows.add(CostLines.of(rollup, now));
    }
    synchronized (traces) {
      for (CostLines row : rows) {
        CostLines before = traces.put(row.traceId(), row);
        if (before != null) {
          CostLines.addReversals(CostLines.costByLabels(before.lines()),
              CostLines.costByLabels(row.lines()), reversed);
        }
      }
    }
  }

  @Override
  public void keepPricing(Pricing pricing) {
    pricings.putIfAbsent(pricing.id(), pricing);
  }

  @Override
  public Optional<Pricing> pricing(String id) {
    return Optional.ofNullable(pricings.get(id));
  }

  @Override
  public Optional<String> pricingOf(String traceId) {
    CostLines stored = get(traceId);
    return stored == null ? Optional.empty() : Optional.ofNullable(stored.trace().pricing());
  }

  @Override
  public CounterTotals counters() {
    Map<CostLabels, BigDecimal> cost = new HashMap<>();
    Map<TokenLabels, Long> tokens = new HashMap<>();
    Map<String, Long> unpriced = new HashMap<>();
    synchronized (traces) {
      for (CostLines stored : traces.values()) {
        for (CostLine line : stored.lines()) {
          CostLines.count(line, cost, tokens, unpriced);
        }
      }
      return new CounterTotals(cost, reversed, tokens, unpriced);
    }
  }

  @Override
  public Set<String> rolledUp(Collection<String> traceIds) {
    Set<String> found = new HashSet<>();
    synchronized (traces) {
      for (String id : traceIds) {
        if (traces.containsKey(id)) {
          found.add(id);
        }
      }
    }
    return found;
  }

  @Override
  public Map<DeliveryKey, Long> deliveries(String traceId) {
    Map<DeliveryKey, Long> found = new LinkedHashMap<>();
    CostLines stored = get(traceId);
    if (stored != null) {
      for (CostLine line : stored.lines()) {
        if (line.first()) {
          found.put(new DeliveryKey(line.spanId(), line.fingerprint()), line.batchId());
        }
      }
    }
    return found;
  }

  @Override
  public Optional<TraceCost> trace(String traceId) {
    CostLines stored = get(traceId);
    if (stored == null) {
      return Optional.empty();
    }
    List<SpanRow> spans = new ArrayList<>();
    for (CostLine line : stored.lines()) {
      if (line.first()) {
        spans.add(new SpanRow(line.spanId(), line.parentSpanId(), line.name(), line.startNanos(),
            line.agent(), line.model(), line.status(), line.reason(), stripped(line.spanCost())));
      }
    }
    spans.sort(Comparator.comparingLong(SpanRow::startNanos).thenComparing(SpanRow::spanId));
    TraceRow t = stored.trace();
    return Optional.of(new TraceCost(traceId, t.currency(), t.complete(), stripped(t.total()),
        asStored(t.byAgent()), asStored(t.byModel()), asStored(t.byClient()),
        stripped(t.sharedTotal()), stripped(t.retryTotal()), t.unpricedSpans(), spans));
  }

  @Override
  public List<String> clientsOf(String traceId) {
    CostLines stored = get(traceId);
    if (stored == null) {
      return List.of();
    }
    // as the ledger keeps them: one text, comma-separated
    List<String> clients = new ArrayList<>();
    for (String c : String.join(",", stored.trace().clients()).split(",")) {
      if (!c.isEmpty()) {
        clients.add(c);
      }
    }
    return clients;
  }

  @Override
  public List<CostRow> costs(CostQuery query) {
    long from = CostLines.nanos(query.from());
    long to = CostLines.nanos(query.to());
    Map<String, long[]> counts = new HashMap<>();
    Map<String, BigDecimal> sums = new HashMap<>();
    synchronized (traces) {
      for (CostLines stored : traces.values()) {
        for (CostLine line : stored.lines()) {
          if (!line.billable() || line.startNanos() < from || line.startNanos() >= to
              || !matches(query.agent(), line.agent()) || !matches(query.client(), line.client())
              || !matches(query.task(), line.task()) || !matches(query.model(), line.model())) {
            continue;
          }
          String key = key(query.groupBy(), line);
          long[] c = counts.computeIfAbsent(key, k -> new long[4]);
          if (line.first()) {
            c[0]++;
            if ("unpriced".equals(line.status())) {
              c[1]++;
            }
          }
          c[2] += line.inputTokens();
          c[3] += line.outputTokens();
          sums.merge(key, line.cost() == null ? BigDecimal.ZERO : line.cost(), BigDecimal::add);
        }
      }
    }
    List<CostRow> rows = new ArrayList<>(counts.size());
    counts.forEach((key, c) -> rows.add(
        new CostRow(key, sums.get(key).stripTrailingZeros(), c[0], c[1], c[2], c[3])));
    rows.sort(Comparator.comparing(CostRow::cost).reversed().thenComparing(CostRow::key));
    return rows;
  }

  private static boolean matches(@Nullable String wanted, @Nullable String value) {
    return wanted == null || wanted.equals(value);
  }

  private static String key(CostQuery.GroupBy groupBy, CostLine line) {
    String key = switch (groupBy) {
      case AGENT -> line.agent();
      case TASK -> line.task();
      case CLIENT -> line.client();
      case MODEL -> line.model();
      case PROVIDER -> line.provider();
      case DAY -> line.day();
      case TRACE -> line.traceId();
    };
    return key == null ? "unknown" : key;
  }

  /**
   * The most expensive traces that started in [from, to), optionally only those billed to
   * {@code client} alone; by the total as a double (as the ledger ranks them), then trace id.
   */
  @Override
  public List<TraceSummary> topTraces(Instant from, Instant to, int limit,
      @Nullable String client) {
    long start = CostLines.nanos(from);
    long end = CostLines.nanos(to);
    List<TraceRow> found = new ArrayList<>();
    synchronized (traces) {
      for (CostLines stored : traces.values()) {
        TraceRow t = stored.trace();
        if (t.startNanos() >= start && t.startNanos() < end
            && (client == null || String.join(",", t.clients()).equals(client))) {
          found.add(t);
        }
      }
    }
    found.sort(Comparator.comparingDouble(TraceRow::totalRank).reversed()
        .thenComparing(TraceRow::traceId));
    List<TraceSummary> result = new ArrayList<>();
    for (TraceRow t : found.subList(0, Math.min(found.size(), Math.max(0, limit)))) {
      result.add(new TraceSummary(t.traceId(), t.rootName() == null ? "" : t.rootName(),
          t.startNanos(), stripped(t.total()), t.currency(), t.spanCount(), t.unpricedSpans(),
          t.complete()));
    }
    return result;
  }

  @Override
  public List<String> traceIds() {
    synchronized (traces) {
      return new ArrayList<>(traces.keySet());
    }
  }

  @Override
  public long spanCount() {
    long count = 0;
    synchronized (traces) {
      for (CostLines stored : traces.values()) {
        for (CostLine line : stored.lines()) {
          if (line.first()) {
            count++;
          }
        }
      }
    }
    return count;
  }

  @Override
  public String description() {
    return "in memory";
  }

  @Override
  public void close() {
    // nothing to release
  }

  private @Nullable CostLines get(String traceId) {
    synchronized (traces) {
      return traces.get(traceId);
    }
  }

  private static @Nullable BigDecimal stripped(@Nullable BigDecimal value) {
    return value == null ? null : value.stripTrailingZeros();
  }

  /** Amounts as the ledger gives them back: each read again from its plain text. */
  private static Map<String, BigDecimal> asStored(Map<String, BigDecimal> amounts) {
    Map<String, BigDecimal> result = new LinkedHashMap<>();
    amounts.forEach((k, v) -> result.put(k, new BigDecimal(v.toPlainString())));
    return result;
  }
}
