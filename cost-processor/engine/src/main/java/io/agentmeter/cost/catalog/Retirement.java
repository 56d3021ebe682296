package io.agentmeter.cost.catalog;

import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * The day a provider retired a model. Spans that still report it afterwards (a late export, a
 * replay, a provider that keeps answering) are priced at its last price, with a reason that says so.
 *
 * @param from the first day (UTC) the model is retired
 * @param source where the retirement is stated (the provider's page)
 * @param asOf when the source was read, or {@code null} if unknown
 */
public record Retirement(LocalDate from, String source, @Nullable LocalDate asOf) {

  /** Whether the model is retired on {@code day}. */
  public boolean covers(LocalDate day) {
    return !day.isBefore(from);
  }

  /** The last day the model was in service, whose prices spans after retirement are priced at. */
  public LocalDate lastDay() {
    return from.minusDays(1);
  }
}
