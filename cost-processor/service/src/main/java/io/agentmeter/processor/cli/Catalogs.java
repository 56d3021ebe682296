package io.agentmeter.processor.cli;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;

/** The bundled catalogue with an optional user file on top. */
final class Catalogs {

  private Catalogs() {}

  static PriceCatalog catalog(Path prices, PrintWriter err) throws IOException {
    PriceCatalog catalog = PriceCatalog.defaults();
    if (prices == null) {
      return catalog;
    }
    CatalogLoad load = CatalogLoader.load(prices, LocalDate.now());
    for (var issue : load.issues()) {
      err.println(prices + ": " + issue);
    }
    return catalog.withLayerOnTop(load.layer());
  }

  static CostEngine engine(Path prices, PrintWriter err) throws IOException {
    return CostEngine.builder().setCatalog(catalog(prices, err)).build();
  }
}
