package io.agentmeter.processor.cli;

import static io.agentmeter.processor.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.processor.model.CostRow;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staleness and unresolved aliases in {@code prices validate} and the serve banner. */
class PriceAgeTest {

  @TempDir Path dir;

  @Test
  void validateReportsOldAndUndatedFiguresAndAliasesToNothing() throws Exception {
    Path file = dir.resolve("mine.json");
    Files.writeString(file, """
        {"format": "agentmeter.prices/v1", "models": [
          {"id": "old", "provider": "p", "match": {"names": ["old"]},
           "prices": [{"input": "1", "source": "s", "as_of": "2020-01-01"}]},
          {"id": "today", "provider": "p", "match": {"names": ["today"]},
           "prices": [{"input": "1", "source": "s", "as_of": "%s"}]},
          {"id": "undated", "provider": "p", "match": {"names": ["undated"]},
           "prices": [{"input": "1", "source": "s"}]},
          {"id": "renamed", "provider": "deepseek", "match": {"names": ["renamed"]},
           "alias_of": [{"model": "deepseek/deepseek-v4-flash", "source": "s"}]}
        ]}
        """.formatted(LocalDate.now()));
    long days = ChronoUnit.DAYS.between(LocalDate.parse("2020-01-01"), LocalDate.now());

    CliTest.Result validate = run("prices", "validate", file.toString(), "--max-price-age", "100000d");
    CliTest.Result strict = run("prices", "validate", file.toString(), "--max-price-age", "30");

    assertThat(validate.code()).isZero();
    assertThat(validate.out()).contains("  may be stale: undated: figures have no as-of date\n")
        .doesNotContain("old:").doesNotContain("bundled catalogue:");
    assertThat(strict.code()).isZero();
    assertThat(strict.out())
        .contains("  may be stale: old: figures as of 2020-01-01, " + days + " days old (over 30)\n")
        .doesNotContain("today:");

    Files.writeString(file, Files.readString(file).replace("deepseek-v4-flash", "deepseek-v4-flsh"));
    CliTest.Result typo = run("prices", "validate", file.toString());
    assertThat(typo.code()).isEqualTo(1);
    assertThat(typo.out()).contains("  renamed: field ignored: alias_of[0].model \"deepseek/deepseek-v4-flsh\""
        + " is in no layer of the catalogue (mine.json has the alias): spans in that period are unpriced\n");
  }

  @Test
  void theServeBannerSaysWhenTheCatalogueInUseMayBeStale() {
    PriceAge age = new PriceAge();
    age.maxAge = "90d";
    int entries = PriceCatalog.defaults().layers().get(0).entries().size();

    assertThat(age.bannerLine(PriceCatalog.defaults(), LocalDate.parse("2026-08-01"))).isNull();
    // On 2026-12-08 every entry in use but deepseek-v4-flash (2026-05-22) has figures of
    // 2026-07-24; the retired and aliased ones are not counted.
    assertThat(age.bannerLine(PriceCatalog.defaults(), LocalDate.parse("2026-12-08")))
        .isEqualTo("stale?   " + (entries - 3) + " entries priced from figures older than 90 days"
            + " or undated (1 as of 2026-05-22, " + (entries - 4) + " as of 2026-07-24);"
            + " 'agentmeter prices validate' lists them");
  }

  @Test
  void modelsPricedInTheLastDayFromARetiredEntryOrByAPatternOnlyAreNamed() {
    List<CostRow> lastDay = List.of(
        new CostRow("claude-sonnet-4-5", new BigDecimal("0.225"), 5, 0, 50_000, 5_000),
        new CostRow("gpt-4o-2099-01-01", new BigDecimal("0.01"), 2, 0, 2_000, 500),
        new CostRow("gpt-4o", new BigDecimal("0.02"), 4, 0, 4_000, 1_000),
        new CostRow("acme-distill-7b", BigDecimal.ZERO, 1, 1, 800, 100),
        new CostRow("deepseek-chat", BigDecimal.ZERO, 3, 3, 0, 0));

    assertThat(PriceAge.seenLines(PriceCatalog.defaults(), lastDay, LocalDate.parse("2026-12-08")))
        .containsExactly(
            "  claude-sonnet-4-5 (5 priced spans): retired entry: anthropic/claude-sonnet-4-5"
                + " retired 2026-11-30; priced at its last price",
            "  gpt-4o-2099-01-01 (2 priced spans): matched only by pattern gpt-4o-\\d{4}-\\d{2}-\\d{2}"
                + " (openai/gpt-4o); give its exact name in a --prices layer if that price is right");
  }

  @Test
  void lookupFollowsARenameAndARetirement() {
    CliTest.Result renamed = run("prices", "lookup", "deepseek-chat", "--date", "2026-05-01");
    CliTest.Result retired = run("prices", "lookup", "deepseek-chat", "--date", "2026-12-08");

    assertThat(renamed.code()).isZero();
    assertThat(renamed.out())
        .contains("note:     deepseek/deepseek-chat is an alias of deepseek/deepseek-v4-flash from 2026-04-24\n")
        .contains("input 0.14, cache read 0.0028");
    assertThat(retired.code()).isZero();
    assertThat(retired.out())
        .contains("note:     deepseek/deepseek-chat retired 2026-07-24; priced at its last price\n")
        .contains("input 0.14, cache read 0.0028");
  }
}
