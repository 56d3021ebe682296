package io.agentmeter.cost.catalog;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * A multiplier on the cost of matching priced spans: a contract discount, a regional uplift. A
 * {@code null} selector matches everything.
 */
public record Adjustment(
    @Nullable String provider,
    @Nullable String entryId,
    @Nullable String client,
    @Nullable LocalDate effectiveFrom,
    @Nullable LocalDate effectiveTo,
    BigDecimal multiplier,
    String source) {

  /** Whether the adjustment applies to a span priced from {@code entry} for {@code client}. */
  public boolean appliesTo(ModelEntry entry, @Nullable String spanClient, LocalDate day) {
    return (provider == null || provider.equals(entry.provider()))
        && (entryId == null || entryId.equals(entry.id()))
        && (client == null || client.equals(spanClient))
        && (effectiveFrom == null || !day.isBefore(effectiveFrom))
        && (effectiveTo == null || day.isBefore(effectiveTo));
  }
}
