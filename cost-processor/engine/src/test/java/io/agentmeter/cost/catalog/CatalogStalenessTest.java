package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogStalenessTest {

  @Test
  void entriesArePricedFromFiguresOlderThanTheLimitOrUndated() {
    CatalogLoad load =
        CatalogLoader.parse(
            "{\"format\": \"agentmeter.prices/v1\", \"models\": ["
                + "{\"id\": \"fresh\", \"provider\": \"p\", \"match\": {\"names\": [\"a\"]},"
                + " \"prices\": [{\"input\": \"1\", \"source\": \"s\", \"as_of\": \"2026-10-01\"}]},"
                + "{\"id\": \"old\", \"provider\": \"p\", \"match\": {\"names\": [\"b\"]},"
                + " \"prices\": [{\"input\": \"1\", \"source\": \"s\", \"as_of\": \"2026-07-24\"}]},"
                + "{\"id\": \"undated\", \"provider\": \"p\", \"match\": {\"names\": [\"c\"]},"
                + " \"prices\": [{\"input\": \"1\", \"source\": \"s\"}]},"
                + "{\"id\": \"repriced\", \"provider\": \"p\", \"match\": {\"names\": [\"d\"]},"
                + " \"prices\": [{\"effective_to\": \"2026-11-01\", \"input\": \"1\", \"source\": \"s\", \"as_of\": \"2025-01-01\"},"
                + "              {\"effective_from\": \"2026-11-01\", \"input\": \"2\", \"source\": \"s\", \"as_of\": \"2026-11-01\"}]},"
                + "{\"id\": \"retired\", \"provider\": \"p\", \"match\": {\"names\": [\"e\"]},"
                + " \"prices\": [{\"input\": \"1\", \"source\": \"s\", \"as_of\": \"2025-01-01\"}],"
                + " \"retired\": {\"from\": \"2026-11-30\", \"source\": \"s\"}}"
                + "]}",
            "user.json", null);

    // 2026-12-08: 2026-10-01 is 68 days back, 2026-07-24 is 137.
    List<CatalogStaleness.Stale> stale =
        CatalogStaleness.stale(List.of(load.layer()), LocalDate.parse("2026-12-08"), 90);

    assertThat(stale).extracting(Object::toString)
        .containsExactly("old: figures as of 2026-07-24, 137 days old", "undated: figures have no as-of date");
    assertThat(CatalogStaleness.summary(stale, 90))
        .isEqualTo("2 entries priced from figures older than 90 days or undated (1 as of 2026-07-24, 1 with no as-of date)");
    assertThat(CatalogStaleness.stale(List.of(load.layer()), LocalDate.parse("2026-12-08"), 137))
        .extracting(s -> s.entry().id()).containsExactly("undated");
  }

  @Test
  void theBundledCatalogueOnTheDayOfItsFiguresAndFiveMonthsLater() {
    List<PriceLayer> bundled = PriceCatalog.defaults().layers();

    assertThat(CatalogStaleness.stale(bundled, LocalDate.parse("2026-07-24"), 90)).isEmpty();
    List<CatalogStaleness.Stale> december =
        CatalogStaleness.stale(bundled, LocalDate.parse("2026-12-08"), 90);
    // Every entry but the two DeepSeek names (aliases, then retired), Claude Sonnet 4.5 (retired
    // 2026-11-30) and deepseek-v4-flash (figures of 2026-05-22, older still).
    int entries = bundled.get(0).entries().size();
    assertThat(december).hasSize(entries - 3);
    assertThat(CatalogStaleness.summary(december, 90))
        .isEqualTo((entries - 3) + " entries priced from figures older than 90 days or undated ("
            + "1 as of 2026-05-22, " + (entries - 4) + " as of 2026-07-24)");
  }
}
