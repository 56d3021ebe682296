package io.agentmeter.processor.store;

import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.SpanCost;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Rollup;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What a cost store keeps of one trace's rollup: its cost lines and its totals. Every store makes
 * them with {@link #of}, so they agree on what a rollup stores.
 *
 * @param traceId the trace
 * @param amends whether an earlier rollup of the trace may be stored (see {@link Rollup#amends})
 * @param lines a line per delivered span and agent its cost goes to, in the rollup's span order
 * @param trace the trace's totals
 */
public record CostLines(String traceId, boolean amends, List<CostLine> lines, TraceRow trace) {

  private static final long NANOS_PER_DAY = 86_400_000_000_000L;

  /**
   * The lines and totals of a rollup: a line per span outcome whose delivery is among the rollup's
   * spans (by span id and start time, each delivery once), one more per further agent a shared
   * cost is split across.
   *
   * @param nowMillis when the rows are made ({@link TraceRow#updatedAtMs})
   */
  public static CostLines of(Rollup item, long nowMillis) {
    String traceId = item.traceId();
    RollupResult result = item.result();
    Map<String, ArrayDeque<IncomingSpan>> delivered = new HashMap<>();
    for (IncomingSpan span : item.spans()) {
      delivered.computeIfAbsent(span.record().spanId(), k -> new ArrayDeque<>(1)).add(span);
    }
    long start = Long.MAX_VALUE;
    String rootName = null;
    String rootId = result.roots().get(traceId);
    TreeSet<String> clients = new TreeSet<>();
    int distinct = 0;
    List<CostLine> lines = new ArrayList<>(result.spans().size());
    long lastDay = Long.MIN_VALUE;
    String dayText = null;
    for (SpanOutcome outcome : result.spans()) {
      start = Math.min(start, outcome.startEpochNanos());
      if (outcome.spanId().equals(rootId)) {
        rootName = outcome.name();
      }
      if (outcome.status() != CostStatus.DUPLICATE) {
        distinct++;
      }
      IncomingSpan span = take(delivered.get(outcome.spanId()), outcome.startEpochNanos());
      if (span == null) {
        continue;
      }
      boolean billable = outcome.status() == CostStatus.PRICED
          || outcome.status() == CostStatus.UNPRICED;
      if (billable) {
        clients.add(outcome.client());
      }
      long day = Math.floorDiv(outcome.startEpochNanos(), NANOS_PER_DAY);
      if (day != lastDay) {
        dayText = LocalDate.ofEpochDay(day).toString();
        lastDay = day;
      }
      SpanCost price = outcome.price();
      String model = billable && outcome.model() == null ? "unknown" : outcome.model();
      int n = 0;
      for (Map.Entry<String, @Nullable BigDecimal> share : rowFirst(outcome).entrySet()) {
        lines.add(new CostLine(traceId, outcome.spanId(), span.fingerprint(), n,
            outcome.startEpochNanos(), dayText, share.getKey(), outcome.task(), outcome.client(),
            outcome.provider(), model, outcome.status().value(), outcome.reason(),
            share.getValue(), n == 0 ? outcome.cost() : null, result.currency(),
            price == null ? null : price.priceRef(),
            // tokens once per span, on its first line
            n == 0 ? outcome.inputTokens() : 0L, n == 0 ? outcome.outputTokens() : 0L,
            outcome.retry(), outcome.sharedResource() != null, outcome.parentSpanId(),
            outcome.name(), span.record().endEpochNanos(), span.batchId()));
        n++;
      }
    }
    TraceRow trace = new TraceRow(traceId, result.currency(), result.total(), item.complete(),
        rootId, rootName, distinct, result.unpricedSpans(), result.sharedTotal(),
        result.retryTotal(), start == Long.MAX_VALUE ? 0L : start, result.byAgent(),
        result.byModel(), result.byClient(), List.copyOf(clients), nowMillis, item.pricing());
    return new CostLines(traceId, item.amends(), lines, trace);
  }

  /**
   * The cost of the priced lines among {@code lines}, by the label set the cost counters count it
   * under (a line's agent, model, provider or {@code unknown}, client, currency).
   */
  public static Map<CostLabels, BigDecimal> costByLabels(Iterable<CostLine> lines) {
    Map<CostLabels, BigDecimal> sums = new HashMap<>();
    for (CostLine line : lines) {
      if (line.cost() != null && "priced".equals(line.status())) {
        sums.merge(labels(line), line.cost(), BigDecimal::add);
      }
    }
    return sums;
  }

  /** The cost counters' label set of a line. */
  public static CostLabels labels(CostLine line) {
    return labels(line.agent(), line.model(), line.provider(), line.client(), line.currency());
  }

  /** The cost counters' label set of a line's columns ({@code unknown} for no model or provider). */
  public static CostLabels labels(String agent, @Nullable String model, @Nullable String provider,
      String client, String currency) {
    return new CostLabels(agent, model == null ? "unknown" : model,
        provider == null ? "unknown" : provider, client, currency);
  }

  /**
   * Adds to {@code into} what replacing lines summing to {@code before} with lines summing to
   * {@code now} takes back from each label set (positive amounts only).
   */
  public static void addReversals(Map<CostLabels, BigDecimal> before,
      Map<CostLabels, BigDecimal> now, Map<CostLabels, BigDecimal> into) {
    before.forEach((labels, amount) -> {
      BigDecimal taken = amount.subtract(now.getOrDefault(labels, BigDecimal.ZERO));
      if (taken.signum() > 0) {
        into.merge(labels, taken, BigDecimal::add);
      }
    });
  }

  /**
   * Adds a stored line to counter totals being summed: its cost (priced lines), its span's tokens
   * (a billable span's first line, priced or not, as the query API counts them) and the span as
   * unpriced (an unpriced span's first line).
   */
  public static void count(CostLine line, Map<CostLabels, BigDecimal> cost,
      Map<TokenLabels, Long> tokens, Map<String, Long> unpriced) {
    count(labels(line), line.status(), line.first(), line.cost(), line.inputTokens(),
        line.outputTokens(), cost, tokens, unpriced);
  }

  /** {@link #count(CostLine, Map, Map, Map)} of a line's columns, as a store reads them. */
  public static void count(CostLabels labels, String status, boolean first,
      @Nullable BigDecimal lineCost, long inputTokens, long outputTokens,
      Map<CostLabels, BigDecimal> cost, Map<TokenLabels, Long> tokens, Map<String, Long> unpriced) {
    boolean priced = "priced".equals(status);
    if ((priced || "unpriced".equals(status)) && first) {
      if (inputTokens > 0) {
        tokens.merge(new TokenLabels(labels.agent(), labels.model(), labels.provider(),
            labels.client(), "input"), inputTokens, Long::sum);
      }
      if (outputTokens > 0) {
        tokens.merge(new TokenLabels(labels.agent(), labels.model(), labels.provider(),
            labels.client(), "output"), outputTokens, Long::sum);
      }
      if (!priced) {
        unpriced.merge(labels.model(), 1L, Long::sum);
      }
    }
    if (priced && lineCost != null && lineCost.signum() > 0) {
      cost.merge(labels, lineCost, BigDecimal::add);
    }
  }

  /**
   * The agents a span's cost goes to, with their shares, in line order: first the span's own
   * agent, whose line is the span's row (its span count and tokens) whoever a shared resource's
   * cost was allocated to first, with its share ({@code null} when it has none); then the further
   * agents of a shared cost by name. The order of the outcome's map plays no part, so the lines of
   * a rollup are the same in every run.
   */
  static Map<String, @Nullable BigDecimal> rowFirst(SpanOutcome outcome) {
    String agent = outcome.agent();
    Map<String, BigDecimal> shares = outcome.agentShares();
    if (shares.isEmpty() || shares.size() == 1 && shares.containsKey(agent)) {
      return Collections.singletonMap(agent, shares.get(agent));
    }
    Map<String, @Nullable BigDecimal> lines = new LinkedHashMap<>();
    lines.put(agent, shares.get(agent));
    new TreeMap<>(shares).forEach(lines::putIfAbsent);
    return lines;
  }

  /**
   * A span start bound of a query as stored start times compare with it: nanoseconds since the
   * epoch, 0 for the epoch or before, {@link Long#MAX_VALUE} past what a long holds.
   */
  public static long nanos(Instant instant) {
    if (instant.getEpochSecond() >= Long.MAX_VALUE / 1_000_000_000L) {
      return Long.MAX_VALUE;
    }
    if (instant.getEpochSecond() <= 0) {
      return 0;
    }
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  /** The first delivery in {@code queue} (one span id's) that started at {@code start}, removed. */
  private static @Nullable IncomingSpan take(@Nullable ArrayDeque<IncomingSpan> queue, long start) {
    if (queue == null) {
      return null;
    }
    for (Iterator<IncomingSpan> it = queue.iterator(); it.hasNext(); ) {
      IncomingSpan span = it.next();
      if (span.record().startEpochNanos() == start) {
        it.remove();
        return span;
      }
    }
    return null;
  }
}
