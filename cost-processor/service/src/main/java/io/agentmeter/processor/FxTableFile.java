package io.agentmeter.processor;

import io.agentmeter.cost.catalog.ModelEntry;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.catalog.PriceLayer;
import io.agentmeter.cost.catalog.PricePeriod;
import io.agentmeter.cost.fx.FxTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The {@code --fx-table} file, read and checked when the service starts, so that a bad file or a
 * missing rate stops it with a message rather than leaving every span unpriced. The format is the
 * engine's ({@link FxTable#parseCsv}): lines {@code date,from,to,rate}, a header line and
 * {@code #} comments skipped.
 */
final class FxTableFile {

  private FxTableFile() {}

  /**
   * The table in {@code file}.
   *
   * @throws IllegalArgumentException naming the file and the line that is wrong
   * @throws UncheckedIOException naming the file when it cannot be read
   */
  static FxTable read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read FX table " + file + ": " + e, e);
    }
    // line by line first, so that every error names its line (the engine's parser names a line
    // only for a bad field count, date or number; not for a bad currency code or rate)
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      try {
        FxTable.parseCsv(lines[i]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("FX table " + file + " line " + (i + 1) + ": "
            + String.valueOf(e.getMessage()).replaceFirst("^line 1: ", "") + " (in '"
            + lines[i].trim() + "')", e);
      }
    }
    return FxTable.parseCsv(text);
  }

  /**
   * Checks that every currency the catalogue prices in converts to {@code currency} on some day.
   *
   * @param file where {@code fx} came from, for the message; {@code null} when none was given
   * @throws IllegalArgumentException naming each currency without a rate
   */
  static void checkCovers(FxTable fx, @Nullable Path file, PriceCatalog catalog, String currency) {
    Set<String> missing = new TreeSet<>();
    for (PriceLayer layer : catalog.layers()) {
      for (ModelEntry entry : layer.entries()) {
        for (PricePeriod period : entry.periods()) {
          String from = period.currency();
          if (!missing.contains(from)
              && fx.convert(BigDecimal.ONE, from, currency, LocalDate.MAX) == null) {
            missing.add(from);
          }
        }
      }
    }
    if (!missing.isEmpty()) {
      String those = String.join(", ", missing);
      throw new IllegalArgumentException("reporting currency " + currency + ": " + (file == null
          ? "the price catalogue prices in " + those + " and no FX table (--fx-table) is given"
          : "the FX table " + file + " has no rate between " + currency + " and " + those
              + ", which the price catalogue prices in")
          + "; every span priced in " + those + " would be unpriced");
    }
  }
}
