package io.agentmeter.processor.metrics;

import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.pricing.PriceBasis;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.metrics.Metrics.StaleLabels;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import io.agentmeter.processor.model.StoredRollup;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts stored rollups into the metrics: cost by agent share, input and output tokens, unpriced
 * spans, traces closed. A trace rolled up again adds only what its new rollup adds to the one it
 * replaced, label set by label set, so monotonic counters never count a span twice; what it takes
 * away from a label set's cost goes to the reversed cost. Each write's sums go in with one update
 * per label set. Priced spans whose price may be stale are counted by model and why (see
 * {@link Metrics#stalePriced}); "old" is judged on the day the rollup is stored.
 */
public final class RollupMetrics implements RollupListener {

  /** The default of {@code --max-price-age}, as {@code prices validate} has it. */
  public static final long DEFAULT_MAX_PRICE_AGE_DAYS = 90;

  private final Metrics metrics;
  private final Clock clock;
  private final long maxPriceAgeDays;

  public RollupMetrics(Metrics metrics) {
    this(metrics, Clock.systemDefaultZone(), DEFAULT_MAX_PRICE_AGE_DAYS);
  }

  /**
   * @param clock the day rollups are stored on, against which a price's as-of date is old
   * @param maxPriceAgeDays how many days old a price's figures may be before its spans count as
   *     {@code old}
   */
  public RollupMetrics(Metrics metrics, Clock clock, long maxPriceAgeDays) {
    this.metrics = metrics;
    this.clock = clock;
    this.maxPriceAgeDays = maxPriceAgeDays;
  }

  @Override
  public void stored(List<StoredRollup> rollups) {
    Contributions added = new Contributions();
    LocalDate oldBefore = LocalDate.now(clock).minusDays(maxPriceAgeDays);
    for (StoredRollup stored : rollups) {
      RollupResult now = stored.rollup().result();
      if (stored.previous() == null) {
        contributions(now, added, oldBefore);
      } else {
        addDelta(added, contributions(now, new Contributions(), oldBefore),
            contributions(stored.previous(), new Contributions(), oldBefore));
      }
    }
    metrics.together(() -> publish(added));
    for (int i = 0; i < rollups.size(); i++) {
      metrics.traceClosed();
    }
  }

  /**
   * What rollups add to the monotonic counters, by label set: cost by agent share, input and output
   * tokens, unpriced spans. Every amount is positive or absent (no update for nothing).
   */
  private static final class Contributions {
    final Map<CostLabels, BigDecimal> cost = new HashMap<>();
    /** Cost taken back from a label set by a rollup that replaced an earlier one. */
    final Map<CostLabels, BigDecimal> reversed = new HashMap<>();
    /** Input and output tokens of billable spans (priced or not). */
    final Map<TokenKey, long[]> tokens = new HashMap<>();
    /** Unpriced spans by model. */
    final Map<String, int[]> unpriced = new HashMap<>();
    /** Priced spans whose price may be stale, by model and why. */
    final Map<StaleLabels, int[]> stale = new HashMap<>();

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

    void addStale(StaleLabels labels, int count) {
      if (count > 0) {
        stale.computeIfAbsent(labels, k -> new int[1])[0] += count;
      }
    }
  }

  /** The labels of the token counters but the kind (input, output). */
  private record TokenKey(String agent, String model, String provider, String client) {}

  /** Adds what a rollup adds to the monotonic counters to {@code into}, which it returns. */
  private static Contributions contributions(RollupResult result, Contributions into,
      LocalDate oldBefore) {
    for (SpanOutcome s : result.spans()) {
      if (s.status() != CostStatus.PRICED && s.status() != CostStatus.UNPRICED) {
        continue;
      }
      String model = s.model() == null ? "unknown" : s.model();
      String provider = s.provider() == null ? "unknown" : s.provider();
      // tokens of every billable span, priced or not, as the query API counts them
      into.addTokens(new TokenKey(s.agent(), model, provider, s.client()), s.inputTokens(),
          s.outputTokens());
      if (s.status() == CostStatus.UNPRICED) {
        into.addUnpriced(model, 1);
        continue;
      }
      for (Map.Entry<String, BigDecimal> share : s.agentShares().entrySet()) {
        into.addCost(new CostLabels(share.getKey(), model, provider, s.client(), result.currency()),
            share.getValue());
      }
      PriceBasis basis = s.price() == null ? null : s.price().basis();
      if (basis != null) {
        if (basis.retired()) {
          into.addStale(new StaleLabels(model, "retired"), 1);
        } else if (basis.asOf() == null || basis.asOf().isBefore(oldBefore)) {
          // a retired model's last price is old by design: counted as retired only
          into.addStale(new StaleLabels(model, "old"), 1);
        }
        if (basis.byPattern()) {
          into.addStale(new StaleLabels(model, "pattern"), 1);
        }
      }
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
    for (Map.Entry<CostLabels, BigDecimal> e : before.cost.entrySet()) {
      BigDecimal taken = e.getValue().subtract(now.cost.getOrDefault(e.getKey(), BigDecimal.ZERO));
      if (taken.signum() > 0) {
        sum.reversed.merge(e.getKey(), taken, BigDecimal::add);
      }
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
    for (Map.Entry<StaleLabels, int[]> e : now.stale.entrySet()) {
      int[] earlier = before.stale.getOrDefault(e.getKey(), new int[1]);
      sum.addStale(e.getKey(), e.getValue()[0] - earlier[0]);
    }
  }

  /** Adds summed contributions to the counters, one update per label set. */
  private void publish(Contributions added) {
    added.cost.forEach(metrics::addCost);
    added.reversed.forEach(metrics::addReversed);
    added.tokens.forEach((key, counts) -> {
      metrics.addTokens(
          new TokenLabels(key.agent(), key.model(), key.provider(), key.client(), "input"), counts[0]);
      metrics.addTokens(
          new TokenLabels(key.agent(), key.model(), key.provider(), key.client(), "output"), counts[1]);
    });
    added.unpriced.forEach((model, count) -> metrics.unpriced(model, count[0]));
    added.stale.forEach((labels, count) -> metrics.stalePriced(labels, count[0]));
  }
}
