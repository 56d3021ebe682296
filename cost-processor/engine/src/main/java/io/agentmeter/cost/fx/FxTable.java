package io.agentmeter.cost.fx;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Dated exchange rates. A conversion on a day uses the latest rate dated on or before that day, so
 * historical totals keep the rate of their own day. A rate given as {@code A→B} also converts
 * {@code B→A} by division, rounded to 34 significant digits (the only place AgentMeter rounds).
 */
public final class FxTable {

  private static final FxTable EMPTY = new FxTable(Map.of());

  private final Map<String, NavigableMap<LocalDate, BigDecimal>> rates;

  private FxTable(Map<String, NavigableMap<LocalDate, BigDecimal>> rates) {
    this.rates = rates;
  }

  /** A table with no rates: converts only a currency to itself. */
  public static FxTable empty() {
    return EMPTY;
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses CSV lines {@code date,from,to,rate} (a header line and {@code #} comments are skipped).
   *
   * @throws IllegalArgumentException naming the line that is wrong
   */
  public static FxTable parseCsv(String csv) {
    Builder builder = builder();
    String[] lines = csv.split("\\R");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty() || line.startsWith("#") || line.toLowerCase(Locale.ROOT).startsWith("date,")) {
        continue;
      }
      String[] cells = line.split(",");
      if (cells.length != 4) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + ": expected date,from,to,rate but found " + cells.length + " fields");
      }
      try {
        builder.add(LocalDate.parse(cells[0].trim()), cells[1].trim(), cells[2].trim(),
            new BigDecimal(cells[3].trim()));
      } catch (DateTimeParseException | NumberFormatException e) {
        throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return builder.build();
  }

  /**
   * Converts {@code amount} from one currency to another at the rate in force on {@code day}.
   *
   * @return the converted amount, or {@code null} when the table has no rate for the pair by then
   */
  public @Nullable BigDecimal convert(BigDecimal amount, String from, String to, LocalDate day) {
    if (from.equals(to)) {
      return amount;
    }
    BigDecimal direct = rateOn(from, to, day);
    if (direct != null) {
      return amount.multiply(direct);
    }
    BigDecimal inverse = rateOn(to, from, day);
    if (inverse != null) {
      return amount.divide(inverse, MathContext.DECIMAL128);
    }
    return null;
  }

  private @Nullable BigDecimal rateOn(String from, String to, LocalDate day) {
    NavigableMap<LocalDate, BigDecimal> series = rates.get(from + '>' + to);
    if (series == null) {
      return null;
    }
    Map.Entry<LocalDate, BigDecimal> entry = series.floorEntry(day);
    return entry == null ? null : entry.getValue();
  }

  /** Builds an {@link FxTable}. */
  public static final class Builder {
    private final Map<String, NavigableMap<LocalDate, BigDecimal>> rates = new HashMap<>();
    private final List<String> pairs = new ArrayList<>();

    Builder() {}

    /** One unit of {@code from} is worth {@code rate} units of {@code to} from {@code day} on. */
    public Builder add(LocalDate day, String from, String to, BigDecimal rate) {
      requireNonNull(day, "day");
      requireNonNull(rate, "rate");
      if (rate.signum() <= 0) {
        throw new IllegalArgumentException("rate must be positive: " + rate.toPlainString());
      }
      String key = currency(from) + '>' + currency(to);
      rates.computeIfAbsent(key, k -> new TreeMap<>()).put(day, rate);
      pairs.add(key);
      return this;
    }

    /** The table. */
    public FxTable build() {
      Map<String, NavigableMap<LocalDate, BigDecimal>> copy = new HashMap<>();
      rates.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
      return new FxTable(copy);
    }

    private static String currency(String code) {
      requireNonNull(code, "currency");
      String upper = code.trim().toUpperCase(Locale.ROOT);
      if (!upper.matches("[A-Z]{3}")) {
        throw new IllegalArgumentException("not an ISO 4217 currency code: " + code);
      }
      return upper;
    }
  }
}
