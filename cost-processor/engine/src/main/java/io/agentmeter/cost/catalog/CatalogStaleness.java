package io.agentmeter.cost.catalog;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Which entries of a catalogue price today from figures read longer ago than a limit: a figure
 * right in July may be wrong in December, and nothing else tells a user so.
 *
 * <p>An entry is judged by the period it prices with today. Entries that are an alias today are
 * judged through their target's entry, retired ones are left out (their price is the last one by
 * design), as are entries with no price in force today.
 */
public final class CatalogStaleness {

  private CatalogStaleness() {}

  /**
   * An entry priced from old figures, or from figures with no as-of date.
   *
   * @param layer the layer's name
   * @param entry the entry
   * @param asOf the as-of date of the period in force today, or {@code null} when it has none
   * @param days how old the figures are, or -1 when unknown
   */
  public record Stale(String layer, ModelEntry entry, @Nullable LocalDate asOf, long days) {
    @Override
    public String toString() {
      return asOf == null
          ? entry.id() + ": figures have no as-of date"
          : entry.id() + ": figures as of " + asOf + ", " + days + " days old";
    }
  }

  /** Every entry of {@code layers} priced today from figures older than {@code maxAgeDays}. */
  public static List<Stale> stale(List<PriceLayer> layers, LocalDate today, long maxAgeDays) {
    List<Stale> result = new ArrayList<>();
    for (PriceLayer layer : layers) {
      for (ModelEntry entry : layer.entries()) {
        if ((entry.retired() != null && entry.retired().covers(today))
            || entry.aliasAt(today) != null) {
          continue;
        }
        PricePeriod period = entry.periodAt(today);
        if (period == null) {
          continue;
        }
        if (period.asOf() == null) {
          result.add(new Stale(layer.name(), entry, null, -1));
          continue;
        }
        long days = ChronoUnit.DAYS.between(period.asOf(), today);
        if (days > maxAgeDays) {
          result.add(new Stale(layer.name(), entry, period.asOf(), days));
        }
      }
    }
    return result;
  }

  /**
   * One line for people: {@code 78 entries priced from figures older than 90 days (76 as of
   * 2026-07-24, 2 as of 2026-05-22)}, or {@code null} when none is.
   */
  public static @Nullable String summary(List<Stale> stale, long maxAgeDays) {
    Map<LocalDate, Integer> byDate = new TreeMap<>();
    int undated = 0;
    for (Stale s : stale) {
      if (s.asOf() == null) {
        undated++;
      } else {
        byDate.merge(s.asOf(), 1, Integer::sum);
      }
    }
    if (stale.isEmpty()) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    byDate.forEach((date, n) -> parts.add(n + " as of " + date));
    if (undated > 0) {
      parts.add(undated + " with no as-of date");
    }
    return stale.size() + (stale.size() == 1 ? " entry" : " entries")
        + " priced from figures older than " + maxAgeDays + " days or undated ("
        + String.join(", ", parts) + ")";
  }
}
