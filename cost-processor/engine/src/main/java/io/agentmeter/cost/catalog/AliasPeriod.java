package io.agentmeter.cost.catalog;

import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * A span of time in which an entry's names are another model: the provider serves them as that
 * model and bills them at its prices (DeepSeek's {@code deepseek-chat} became a mode of {@code
 * deepseek-v4-flash} on 2026-04-24).
 *
 * @param target the id of the entry whose prices apply
 * @param effectiveFrom first day (UTC, inclusive), or {@code null} for "always"
 * @param effectiveTo day the alias stops (UTC, exclusive), or {@code null} for "open"
 * @param source where the alias is stated (the provider's page)
 * @param asOf when the source was read, or {@code null} if unknown
 */
public record AliasPeriod(
    String target,
    @Nullable LocalDate effectiveFrom,
    @Nullable LocalDate effectiveTo,
    String source,
    @Nullable LocalDate asOf) {

  /** Whether the alias is in force on {@code day}. */
  public boolean covers(LocalDate day) {
    return (effectiveFrom == null || !day.isBefore(effectiveFrom))
        && (effectiveTo == null || day.isBefore(effectiveTo));
  }

  /** The first day, or {@code always}. */
  public String label() {
    return effectiveFrom == null ? "always" : effectiveFrom.toString();
  }
}
