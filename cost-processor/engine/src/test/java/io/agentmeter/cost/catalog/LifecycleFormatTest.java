package io.agentmeter.cost.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The catalogue format's dated aliases, retirement and time windows: what loads and what is refused. */
class LifecycleFormatTest {

  private static String catalogue(String... models) {
    return "{\"format\": \"agentmeter.prices/v1\", \"as_of\": \"2026-05-22\", \"models\": ["
        + String.join(",", models) + "]}";
  }

  private static String entry(String id, String rest) {
    return "{\"id\": \"" + id + "\", \"provider\": \"deepseek\", \"match\": {\"names\": [\"" + id
        + "\"]}, " + rest + "}";
  }

  private static final String PRICE = "{\"input\": \"1\", \"output\": \"2\", \"source\": \"s\"";

  @Test
  void aliasesAndRetirementLoadWithTheirSourcesAndDates() {
    CatalogLoad load =
        CatalogLoader.parse(
            catalogue(
                entry("old", "\"prices\": [" + PRICE + ", \"effective_to\": \"2026-04-24\"}],"
                    + " \"alias_of\": [{\"model\": \"new\", \"effective_from\": \"2026-04-24\","
                    + "   \"source\": \"https://example.com/news\"}],"
                    + " \"retired\": {\"from\": \"2026-07-24\", \"source\": \"https://example.com/p\","
                    + "   \"as_of\": \"2026-06-01\"}"),
                entry("new", "\"prices\": [" + PRICE + "}]"),
                entry("only-alias", "\"alias_of\": [{\"model\": \"new\", \"source\": \"s\"}]")),
            "user.json", null);

    assertThat(load.issues()).isEmpty();
    ModelEntry old = load.layer().entry("old");
    assertThat(old.aliases())
        .containsExactly(
            new AliasPeriod("new", LocalDate.parse("2026-04-24"), null, "https://example.com/news",
                LocalDate.parse("2026-05-22")));
    assertThat(old.retired())
        .isEqualTo(new Retirement(LocalDate.parse("2026-07-24"), "https://example.com/p",
            LocalDate.parse("2026-06-01")));
    assertThat(old.retired().lastDay()).isEqualTo(LocalDate.parse("2026-07-23"));
    assertThat(load.layer().entry("only-alias").periods()).isEmpty();
    assertThat(PriceResolution.unresolvedAliases(PriceCatalog.of(List.of(load.layer())))).isEmpty();
  }

  @Test
  void everyBadAliasRetirementOrWindowIsReportedNamingTheEntryAndField() {
    CatalogLoad load =
        CatalogLoader.parse(
            catalogue(
                entry("no-target", "\"alias_of\": [{\"source\": \"s\"}]"),
                entry("self", "\"prices\": [" + PRICE + "}], \"alias_of\": [{\"model\": \"self\", \"source\": \"s\"}]"),
                entry("no-source", "\"alias_of\": [{\"model\": \"x\"}]"),
                entry("overlaps", "\"prices\": [" + PRICE + ", \"effective_from\": \"2025-01-01\"}],"
                    + " \"alias_of\": [{\"model\": \"x\", \"effective_from\": \"2026-01-01\", \"source\": \"s\"}]"),
                entry("after-retirement", "\"prices\": [" + PRICE + ", \"effective_from\": \"2026-08-01\"}],"
                    + " \"retired\": {\"from\": \"2026-07-24\", \"source\": \"s\"}"),
                entry("bad-retirement", "\"prices\": [" + PRICE + "}], \"retired\": {\"from\": \"July\"}"),
                entry("bad-zone", "\"prices\": [" + PRICE + ", \"time_windows\": [{\"name\": \"peak\","
                    + " \"zone\": \"Beijing\", \"from\": \"09:00\", \"to\": \"12:00\", \"input\": \"2\"}]}]"),
                entry("bad-time", "\"prices\": [" + PRICE + ", \"time_windows\": [{\"name\": \"peak\","
                    + " \"zone\": \"UTC\", \"from\": \"9am\", \"to\": \"12:00\", \"input\": \"2\"}]}]"),
                entry("empty-window", "\"prices\": [" + PRICE + ", \"time_windows\": [{\"name\": \"peak\","
                    + " \"zone\": \"UTC\", \"from\": \"09:00\", \"to\": \"09:00\", \"input\": \"2\"}]}]"),
                entry("no-window-price", "\"prices\": [" + PRICE + ", \"time_windows\": [{\"name\": \"Peak Hours\","
                    + " \"zone\": \"UTC\", \"from\": \"09:00\", \"to\": \"10:00\"}]}]"),
                entry("bad-day", "\"prices\": [" + PRICE + ", \"time_windows\": [{\"name\": \"peak\","
                    + " \"zone\": \"UTC\", \"days\": [\"Funday\"], \"from\": \"09:00\", \"to\": \"10:00\","
                    + " \"output\": \"3\"}]}]"),
                entry("ok", "\"prices\": [" + PRICE + "}]")),
            "user.json", null);

    assertThat(load.layer().entries()).extracting(ModelEntry::id)
        .containsExactly("self", "bad-retirement", "ok");
    assertThat(load.issues())
        .extracting(LoadIssue::toString)
        .containsExactly(
            "no-target: field ignored: alias_of[0] left out: model is missing: the id of the entry it is an alias of",
            "no-target: entry skipped: no usable price period or alias",
            "self: field ignored: alias_of[0] left out: model is the entry itself",
            "no-source: field ignored: alias_of[0] left out: source is missing: say where the alias is stated",
            "no-source: entry skipped: no usable price period or alias",
            "overlaps: entry skipped: alias_of period starting 2026-01-01 overlaps the price period starting 2025-01-01",
            "after-retirement: entry skipped: the price period starting 2026-08-01 starts on or after retired.from 2026-07-24",
            "bad-retirement: field ignored: retired left out: from \"July\" is not a date (yyyy-mm-dd)",
            "bad-zone: field ignored: prices[0] left out: time_windows[0].zone \"Beijing\" is not a time zone (UTC, Asia/Shanghai, America/New_York...)",
            "bad-zone: entry skipped: no usable price period",
            "bad-time: field ignored: prices[0] left out: time_windows[0].from \"9am\" is not a time (hh:mm)",
            "bad-time: entry skipped: no usable price period",
            "empty-window: field ignored: prices[0] left out: time_windows[0].from and to are both 09:00",
            "empty-window: entry skipped: no usable price period",
            "no-window-price: field ignored: prices[0] left out: time_windows[0].name \"Peak Hours\" must be lower-case letters, digits, '_' or '-' (it appears in price references)",
            "no-window-price: entry skipped: no usable price period",
            "bad-day: field ignored: prices[0] left out: time_windows[0].days \"Funday\" is not a day (MON ... SUN)",
            "bad-day: entry skipped: no usable price period");
  }

  @Test
  void anAliasToAnEntryInNoLayerIsReportedForTheWholeStack() {
    CatalogLoad user =
        CatalogLoader.parse(
            catalogue(
                entry("mine", "\"alias_of\": [{\"model\": \"deepseek/deepseek-v4-flash\", \"source\": \"s\"}]"),
                entry("typo", "\"alias_of\": [{\"model\": \"deepseek/deepseek-v4-flsh\", \"source\": \"s\"}]")),
            "user.json", null);

    PriceCatalog stack = PriceCatalog.defaults().withLayerOnTop(user.layer());

    assertThat(user.issues()).isEmpty();
    assertThat(PriceResolution.unresolvedAliases(stack))
        .extracting(LoadIssue::toString)
        .containsExactly(
            "typo: field ignored: alias_of[0].model \"deepseek/deepseek-v4-flsh\" is in no layer of the"
                + " catalogue (user.json has the alias): spans in that period are unpriced");
  }
}
