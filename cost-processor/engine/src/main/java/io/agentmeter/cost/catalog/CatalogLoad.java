package io.agentmeter.cost.catalog;

import java.util.List;

/**
 * The result of loading one catalogue file: what loaded, and everything that did not with its
 * reason.
 *
 * @param layer the usable entries of the file
 * @param format {@code agentmeter}, {@code litellm} or {@code genai-prices}
 * @param entriesRead how many entries the file has
 * @param issues every entry or field that could not be used
 */
public record CatalogLoad(PriceLayer layer, String format, int entriesRead, List<LoadIssue> issues) {
  public CatalogLoad {
    issues = List.copyOf(issues);
  }

  /** How many entries were left out entirely. */
  public long skippedEntries() {
    return issues.stream().filter(LoadIssue::skipped).count();
  }
}
