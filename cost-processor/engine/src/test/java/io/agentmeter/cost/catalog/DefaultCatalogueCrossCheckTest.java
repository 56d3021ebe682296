package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks the bundled catalogue against the public LiteLLM 2026-07 file: every standard price
 * that differs for a model both list must be explained in docs/default-catalogue.md.
 */
class DefaultCatalogueCrossCheckTest {

  @Test
  void everyDisagreementWithLiteLlmIsExplained() throws IOException {
    Path litellm =
        Path.of(System.getProperty("agentmeter.shared.data", "../../../shared/data"),
            "litellm-prices-2026-07-subset.json");
    if (Boolean.getBoolean("agentmeter.require.shared.data")) {
      assertThat(litellm).exists();
    } else {
      assumeTrue(Files.exists(litellm), "shared data not beside the checkout");
    }
    String doc = Files.readString(Path.of("../../docs/default-catalogue.md"));
    PriceLayer other = CatalogLoader.load(litellm, LocalDate.parse("2026-07-24")).layer();

    List<String> unexplained = new ArrayList<>();
    int compared = 0;
    for (ModelEntry entry : PriceCatalog.defaultLoad().layer().entries()) {
      PricePeriod ours = entry.periodAt(LocalDate.parse("2026-07-24"));
      if (ours == null || entry.kind() == ModelKind.TOOL) {
        continue;
      }
      for (String name : entry.names()) {
        List<ModelEntry> theirs = other.exact(name);
        if (theirs.isEmpty()) {
          continue;
        }
        compared++;
        BucketPrices a = ours.base();
        BucketPrices b = theirs.get(0).periods().get(0).base();
        if (!same(a.input(), b.input()) || !same(a.output(), b.output())
            || !same(a.cacheRead(), b.cacheRead())) {
          if (!doc.contains(entry.id())) {
            unexplained.add(entry.id() + " (" + name + "): ours " + a.input() + "/" + a.output()
                + ", LiteLLM " + b.input() + "/" + b.output());
          }
        }
        break;
      }
    }
    assertThat(compared).isGreaterThan(10);
    assertThat(unexplained).isEmpty();
  }

  private static boolean same(BigDecimal a, BigDecimal b) {
    if (a == null || b == null) {
      return Objects.equals(a, b) || a == null || b == null;
    }
    return a.compareTo(b) == 0;
  }
}
