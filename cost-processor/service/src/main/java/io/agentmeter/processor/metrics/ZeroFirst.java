package io.agentmeter.processor.metrics;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exact counters by label set whose new series are shown at 0 by one scrape before their first
 * amount. Prometheus's {@code increase()} and {@code rate()} count what a series gains between
 * samples; a series whose first sample already holds its first amount has that amount counted
 * nowhere. So an amount for a label set not yet scraped waits, and the scrape that first shows the
 * series shows 0; the amount is in the next one. Series restored at start (from the ledger) are
 * shown at once at their restored value: they continue the series of the last process.
 *
 * <p>Guarded by the instance; {@link Metrics} scrapes all families under one lock so that a
 * series and its twin ({@link #show}) appear together.
 */
final class ZeroFirst<K> {

  /** What has been shown (at 0 or more), by label set. */
  private final Map<K, BigDecimal> shown = new LinkedHashMap<>();
  /** Amounts of label sets not shown yet. */
  private final Map<K, BigDecimal> pending = new LinkedHashMap<>();

  /** Adds {@code amount} (positive) to the series of {@code key}. */
  synchronized void add(K key, BigDecimal amount) {
    if (amount.signum() <= 0) {
      return;
    }
    if (shown.containsKey(key)) {
      shown.merge(key, amount, BigDecimal::add);
    } else {
      pending.merge(key, amount, BigDecimal::add);
    }
  }

  /** Sets a series restored at start; it is shown at this value from the first scrape. */
  synchronized void restore(K key, BigDecimal value) {
    shown.put(key, value);
    pending.remove(key);
  }

  /**
   * The values to expose now: series shown before with their totals, new ones at 0. The amounts of
   * the new ones count from the next scrape.
   */
  synchronized Map<K, BigDecimal> scrape() {
    Map<K, BigDecimal> out = new LinkedHashMap<>(shown);
    pending.forEach((key, amount) -> {
      out.put(key, BigDecimal.ZERO);
      shown.put(key, amount);
    });
    pending.clear();
    return out;
  }

  /** Makes sure {@code key} is shown (at 0 if it has nothing yet), as the twin of another series. */
  synchronized void show(K key) {
    if (!shown.containsKey(key) && !pending.containsKey(key)) {
      pending.put(key, BigDecimal.ZERO);
    }
  }

  /** Every series' exact total, pending amounts included. */
  synchronized Map<K, BigDecimal> totals() {
    Map<K, BigDecimal> all = new HashMap<>(shown);
    pending.forEach((key, amount) -> all.merge(key, amount, BigDecimal::add));
    return all;
  }
}
