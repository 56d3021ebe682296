package io.agentmeter.cost.catalog;

import java.time.LocalDate;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One model (or priced tool) in the catalogue.
 *
 * @param id unique id, conventionally {@code provider/model}
 * @param provider the {@code gen_ai.provider.name} the prices are for
 * @param kind what the entry prices
 * @param names exact model names and aliases, lower case
 * @param regex a pattern the whole model name must match, or {@code null}
 * @param periods the price periods, in file order
 * @param aliases the spans of time in which the entry is another entry's model, in file order
 * @param retired when the provider retired the model, or {@code null}
 */
public record ModelEntry(
    String id,
    String provider,
    ModelKind kind,
    List<String> names,
    @Nullable Pattern regex,
    List<PricePeriod> periods,
    List<AliasPeriod> aliases,
    @Nullable Retirement retired) {

  public ModelEntry {
    names = List.copyOf(names);
    periods = List.copyOf(periods);
    aliases = List.copyOf(aliases);
  }

  /** An entry with prices only: no dated alias, not retired. */
  public ModelEntry(
      String id,
      String provider,
      ModelKind kind,
      List<String> names,
      @Nullable Pattern regex,
      List<PricePeriod> periods) {
    this(id, provider, kind, names, regex, periods, List.of(), null);
  }

  /** The period in force on {@code day}, or {@code null} if none is. */
  public @Nullable PricePeriod periodAt(LocalDate day) {
    for (PricePeriod period : periods) {
      if (period.covers(day)) {
        return period;
      }
    }
    return null;
  }

  /** The alias in force on {@code day}, or {@code null} if none is. */
  public @Nullable AliasPeriod aliasAt(LocalDate day) {
    for (AliasPeriod alias : aliases) {
      if (alias.covers(day)) {
        return alias;
      }
    }
    return null;
  }
}
