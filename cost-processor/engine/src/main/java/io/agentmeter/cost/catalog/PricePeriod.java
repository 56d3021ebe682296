package io.agentmeter.cost.catalog;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The prices of one model over one span of time, with the source and as-of date that cover every
 * figure in it.
 *
 * @param effectiveFrom first day (UTC, inclusive), or {@code null} for "always"
 * @param effectiveTo day the period stops (UTC, exclusive), or {@code null} for "open"
 * @param currency ISO 4217 currency of every figure
 * @param base the standard prices per token
 * @param longContext tiers switching to other prices above an input-token threshold, ascending
 * @param serviceTiers prices by served tier name ({@code batch}, {@code flex}, {@code priority})
 * @param perRequest a fee per request (per call for tool entries), or {@code null}
 * @param toolCalls fees per provider-side tool call, by fee name
 * @param source where the figures come from
 * @param asOf when the figures were read from the source, or {@code null} if unknown
 * @param timeWindows prices by time of day (peak, off-peak), the first open window applying
 */
public record PricePeriod(
    @Nullable LocalDate effectiveFrom,
    @Nullable LocalDate effectiveTo,
    String currency,
    BucketPrices base,
    List<LongContextTier> longContext,
    Map<String, ServiceTierPrices> serviceTiers,
    @Nullable BigDecimal perRequest,
    Map<String, BigDecimal> toolCalls,
    String source,
    @Nullable LocalDate asOf,
    List<TimeWindow> timeWindows) {

  public PricePeriod {
    longContext = List.copyOf(longContext);
    serviceTiers = Map.copyOf(serviceTiers);
    toolCalls = Map.copyOf(toolCalls);
    timeWindows = List.copyOf(timeWindows);
  }

  /** A period with one price whatever the time of day. */
  public PricePeriod(
      @Nullable LocalDate effectiveFrom,
      @Nullable LocalDate effectiveTo,
      String currency,
      BucketPrices base,
      List<LongContextTier> longContext,
      Map<String, ServiceTierPrices> serviceTiers,
      @Nullable BigDecimal perRequest,
      Map<String, BigDecimal> toolCalls,
      String source,
      @Nullable LocalDate asOf) {
    this(effectiveFrom, effectiveTo, currency, base, longContext, serviceTiers, perRequest,
        toolCalls, source, asOf, List.of());
  }

  /** The first time window open at {@code instant}, or {@code null}: then the base prices apply. */
  public @Nullable TimeWindow windowAt(Instant instant) {
    for (TimeWindow window : timeWindows) {
      if (window.covers(instant)) {
        return window;
      }
    }
    return null;
  }

  /** Whether the period is in force on {@code day}. */
  public boolean covers(LocalDate day) {
    return (effectiveFrom == null || !day.isBefore(effectiveFrom))
        && (effectiveTo == null || day.isBefore(effectiveTo));
  }

  /** The label used in price references: the first day, or {@code always}. */
  public String label() {
    return effectiveFrom == null ? "always" : effectiveFrom.toString();
  }
}
