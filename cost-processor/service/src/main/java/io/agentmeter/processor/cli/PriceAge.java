package io.agentmeter.processor.cli;

import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogStaleness;
import io.agentmeter.cost.catalog.LoadIssue;
import io.agentmeter.cost.catalog.ModelEntry;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.catalog.PriceResolution;
import io.agentmeter.processor.model.CostRow;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --max-price-age}: how old catalogue figures may be before {@code prices validate} and
 * {@code serve} say they may be stale, and what they say.
 */
final class PriceAge {

  private static final Pattern DAYS = Pattern.compile("(\\d+)d?");

  @Option(names = "--max-price-age", paramLabel = "DAYS", defaultValue = "90d",
      description = "Report catalogue entries priced from figures read longer ago than this many"
          + " days (default: ${DEFAULT-VALUE}); serve also counts the spans they price in"
          + " agentmeter_spans_stale_priced_total{why=\"old\"}.")
  String maxAge;

  long days() {
    Matcher m = DAYS.matcher(maxAge.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("--max-price-age must be a number of days like 90d; got '"
          + maxAge + "'");
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * What {@code prices validate FILE} adds: aliases of the file whose target is in no layer over
   * the bundled catalogue (issues), then the file's stale entries one by one and the bundled
   * catalogue's in one line (warnings).
   */
  List<String> validateLines(CatalogLoad load, List<LoadIssue> aliasIssues, LocalDate today) {
    List<String> lines = new ArrayList<>();
    for (LoadIssue issue : aliasIssues) {
      lines.add("  " + issue);
    }
    long days = days();
    for (CatalogStaleness.Stale stale :
        CatalogStaleness.stale(List.of(load.layer()), today, days)) {
      lines.add("  may be stale: " + stale + (stale.asOf() == null ? "" : " (over " + days + ")"));
    }
    String bundled =
        CatalogStaleness.summary(
            CatalogStaleness.stale(PriceCatalog.defaults().layers(), today, days), days);
    if (bundled != null) {
      lines.add("bundled catalogue: " + bundled + "; a newer release, or a layer from"
          + " 'agentmeter prices diff --write-layer', brings them up to date");
    }
    return lines;
  }

  /** Aliases of {@code load} whose target is in no layer of it over the bundled catalogue. */
  static List<LoadIssue> unresolvedAliases(CatalogLoad load) {
    PriceCatalog stack = PriceCatalog.defaults().withLayerOnTop(load.layer());
    List<LoadIssue> issues = new ArrayList<>();
    for (LoadIssue issue : PriceResolution.unresolvedAliases(stack)) {
      if (load.layer().entry(issue.entry()) != null) {
        issues.add(issue);
      }
    }
    return issues;
  }

  /**
   * Models the ledger priced in the last day from an entry retired by then, or that only a
   * pattern matches (no exact name: the price may be another model's): one line each, for the
   * serve banner.
   *
   * @param byModel the ledger's costs over the last day grouped by model
   */
  static List<String> seenLines(PriceCatalog catalog, List<CostRow> byModel, LocalDate today) {
    List<String> lines = new ArrayList<>();
    for (CostRow row : byModel) {
      long priced = row.spans() - row.unpricedSpans();
      if (priced <= 0) {
        continue;
      }
      PriceCatalog.Match match = catalog.findModel(row.key(), null);
      ModelEntry entry = match.entry();
      if (entry == null) {
        continue;
      }
      PriceResolution resolved = PriceResolution.resolve(catalog, entry, today);
      String what = null;
      if (resolved.retired()) {
        what = "retired entry: " + String.join("; ", resolved.notes());
      } else if (match.how().startsWith("pattern ")) {
        what = "matched only by " + match.how() + " (" + entry.id()
            + "); give its exact name in a --prices layer if that price is right";
      }
      if (what != null) {
        lines.add("  " + row.key() + " (" + priced + " priced spans): " + what);
      }
    }
    return lines;
  }

  /** The serve banner's line, or {@code null} when every entry in use is recent enough. */
  String bannerLine(PriceCatalog catalog, LocalDate today) {
    long days = days();
    String summary = CatalogStaleness.summary(CatalogStaleness.stale(catalog.layers(), today, days), days);
    return summary == null ? null
        : "stale?   " + summary + "; 'agentmeter prices validate' lists them";
  }
}
