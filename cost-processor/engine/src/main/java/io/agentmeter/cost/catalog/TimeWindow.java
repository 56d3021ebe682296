package io.agentmeter.cost.catalog;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Prices in force during hours of the day (peak or off-peak), in the zone the provider publishes
 * them in. A window is chosen by the span's start time: the start is read as a local time in {@code
 * zone}, so daylight-saving changes move the window with the provider's clock.
 *
 * <p>{@code days} and {@code exceptDates} are about the day a range <em>opens</em>: the part of a
 * Friday-night range after midnight is still Friday's.
 *
 * @param name the window's name, which appears in price references ({@code off_peak})
 * @param zone the zone its times are in
 * @param hours the local time ranges it is open, one or more
 * @param days the days of the week it opens on; empty means every day
 * @param exceptDates local dates it does not open on (public holidays)
 * @param prices the bucket prices in force; buckets it omits keep the period's base price
 */
public record TimeWindow(
    String name,
    ZoneId zone,
    List<Hours> hours,
    Set<DayOfWeek> days,
    Set<LocalDate> exceptDates,
    BucketPrices prices) {

  public TimeWindow {
    hours = List.copyOf(hours);
    days = Set.copyOf(days);
    exceptDates = Set.copyOf(exceptDates);
    if (hours.isEmpty()) {
      throw new IllegalArgumentException("a time window needs hours");
    }
  }

  /** Whether the window is open at {@code instant}. */
  public boolean covers(Instant instant) {
    ZonedDateTime local = instant.atZone(zone);
    LocalTime time = local.toLocalTime();
    for (Hours range : hours) {
      LocalDate opened = range.openedOn(local.toLocalDate(), time);
      if (opened != null
          && (days.isEmpty() || days.contains(opened.getDayOfWeek()))
          && !exceptDates.contains(opened)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A local time range: {@code from} inclusive, {@code to} exclusive; a range whose {@code to} is
   * not after its {@code from} runs across midnight (16:30 to 00:30).
   */
  public record Hours(LocalTime from, LocalTime to) {
    public Hours {
      if (from.equals(to)) {
        throw new IllegalArgumentException("from and to are both " + from);
      }
    }

    /** The local date the range that contains {@code time} on {@code date} opened, or null. */
    @Nullable LocalDate openedOn(LocalDate date, LocalTime time) {
      if (from.isBefore(to)) {
        return time.isBefore(from) || !time.isBefore(to) ? null : date;
      }
      if (!time.isBefore(from)) {
        return date;
      }
      return time.isBefore(to) ? date.minusDays(1) : null;
    }

    @Override
    public String toString() {
      return from + "-" + to;
    }
  }
}
