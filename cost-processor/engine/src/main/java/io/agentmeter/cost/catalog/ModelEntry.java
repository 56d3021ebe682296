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
 */
public record ModelEntry(
    String id,
    String provider,
    ModelKind kind,
    List<String> names,
    @Nullable Pattern regex,
    List<PricePeriod> periods) {

  public ModelEntry {
    names = List.copyOf(names);
    periods = List.copyOf(periods);
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
}
