package io.agentmeter.cost.pricing;

import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * What a priced span's price rests on, so that a price that may be stale can be told without
 * reading the span's reason: the entry found only by a pattern (the price may be another model's),
 * a retired model priced at its last price, and the day the figures in force were read.
 *
 * @param byPattern whether the span's model name matched its entry only by the entry's pattern (no
 *     exact name, alias or name without a region or provider prefix)
 * @param retiredFrom the retirement day of the model (or of an alias on the way to the entry that
 *     prices it) when the span falls after it and is priced at its last price, else {@code null}
 * @param asOf when the figures of the price period used were read from their source, or {@code
 *     null} when the period has no as-of date
 */
public record PriceBasis(boolean byPattern, @Nullable LocalDate retiredFrom, @Nullable LocalDate asOf) {

  /** Whether the span falls after its model's retirement. */
  public boolean retired() {
    return retiredFrom != null;
  }
}
