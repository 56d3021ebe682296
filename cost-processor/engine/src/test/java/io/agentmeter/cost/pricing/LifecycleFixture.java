package io.agentmeter.cost.pricing;

import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** lifecycle-prices.json: dated aliases, retirement and time windows, for tests. */
public final class LifecycleFixture {

  private LifecycleFixture() {}

  public static CatalogLoad load() {
    try (InputStream in = LifecycleFixture.class.getResourceAsStream("/lifecycle-prices.json")) {
      return CatalogLoader.parse(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "lifecycle-prices.json", null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
