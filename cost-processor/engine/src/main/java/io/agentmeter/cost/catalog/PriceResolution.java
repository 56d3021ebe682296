package io.agentmeter.cost.catalog;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which prices a matched entry is billed at on a day, once its dated aliases and its retirement are
 * followed: {@code deepseek-chat} on 2026-05-01 is {@code deepseek-v4-flash}'s price of that day; on
 * 2026-08-10, after its retirement, {@code deepseek-v4-flash}'s price of 2026-07-23, its last day.
 *
 * @param entry the entry whose period prices the span (the alias target, if any)
 * @param period the period of {@code entry} in force on {@code priceDay}, or {@code null} if none is
 * @param priceDay the day whose prices apply: the span's day, or a retired model's last day
 * @param retiredFrom the retirement day when the span falls after it, else {@code null}
 * @param notes how the prices were reached (retirement, aliases), for the span's reason
 * @param problem why no price can be chosen (a missing alias target, a loop), or {@code null}
 */
public record PriceResolution(
    ModelEntry entry,
    @Nullable PricePeriod period,
    LocalDate priceDay,
    @Nullable LocalDate retiredFrom,
    List<String> notes,
    @Nullable String problem) {

  /** More alias hops than any real rename chain needs; beyond it the chain is taken as a loop. */
  static final int MAX_ALIAS_HOPS = 8;

  public PriceResolution {
    notes = List.copyOf(notes);
  }

  /** Whether the span falls after the model's retirement and is priced at its last price. */
  public boolean retired() {
    return retiredFrom != null;
  }

  /** Follows {@code matched}'s retirement and aliases on {@code day} through {@code catalog}. */
  public static PriceResolution resolve(PriceCatalog catalog, ModelEntry matched, LocalDate day) {
    if (matched.aliases().isEmpty() && matched.retired() == null) {
      return new PriceResolution(matched, matched.periodAt(day), day, null, List.of(), null);
    }
    ModelEntry current = matched;
    LocalDate priceDay = day;
    LocalDate retiredFrom = null;
    List<String> notes = new ArrayList<>(2);
    List<ModelEntry> seen = new ArrayList<>(2);
    while (true) {
      seen.add(current);
      Retirement retired = current.retired();
      if (retired != null && retired.covers(priceDay)) {
        priceDay = retired.lastDay();
        if (retiredFrom == null) {
          retiredFrom = retired.from();
        }
        notes.add(current.id() + " retired " + retired.from() + "; priced at its last price");
      }
      AliasPeriod alias = current.aliasAt(priceDay);
      if (alias == null) {
        return new PriceResolution(
            current, current.periodAt(priceDay), priceDay, retiredFrom, notes, null);
      }
      ModelEntry target = catalog.findEntry(alias.target());
      String problem = null;
      if (target == null) {
        problem = current.id() + " is an alias of " + alias.target() + since(alias)
            + ", which is not in the price catalogue";
      } else if (containsSame(seen, target) || seen.size() >= MAX_ALIAS_HOPS) {
        problem = current.id() + " is an alias of " + alias.target() + since(alias)
            + ", whose aliases lead back to it";
      }
      if (problem != null) {
        return new PriceResolution(current, null, priceDay, retiredFrom, notes, problem);
      }
      notes.add(current.id() + " is an alias of " + target.id() + since(alias));
      current = target;
    }
  }

  private static String since(AliasPeriod alias) {
    return alias.effectiveFrom() == null ? "" : " from " + alias.effectiveFrom();
  }

  private static boolean containsSame(List<ModelEntry> entries, ModelEntry entry) {
    for (ModelEntry e : entries) {
      if (e == entry) {
        return true;
      }
    }
    return false;
  }

  /**
   * Every dated alias, in every layer, whose target is in no layer of {@code catalog}; each issue
   * names the entry and the {@code alias_of} item.
   */
  public static List<LoadIssue> unresolvedAliases(PriceCatalog catalog) {
    List<LoadIssue> issues = new ArrayList<>(0);
    for (PriceLayer layer : catalog.layers()) {
      for (ModelEntry entry : layer.entries()) {
        for (int i = 0; i < entry.aliases().size(); i++) {
          String target = entry.aliases().get(i).target();
          if (catalog.findEntry(target) == null) {
            issues.add(new LoadIssue(entry.id(), false,
                "alias_of[" + i + "].model \"" + target + "\" is in no layer of the catalogue"
                    + " (" + layer.name() + " has the alias): spans in that period are unpriced"));
          }
        }
      }
    }
    return issues;
  }
}
