package io.agentmeter.cost.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/** Parses AgentMeter's own catalogue format, {@code agentmeter.prices/v1}. */
final class OwnFormatParser {

  static final String FORMAT = "agentmeter.prices/v1";
  private static final int PER_MILLION = 6;
  private static final Set<String> TIERS = Set.of("batch", "flex", "priority");
  private static final JsonNode MISSING = MissingNode.getInstance();
  private static final Pattern WINDOW_NAME = Pattern.compile("[a-z0-9_-]+");

  private OwnFormatParser() {}

  static CatalogLoad parse(JsonNode root, String sourceName) {
    List<LoadIssue> issues = new ArrayList<>();
    String format = root.path("format").asText("");
    if (!FORMAT.equals(format)) {
      throw new CatalogException(
          sourceName + ": \"format\" is \"" + format + "\"; this version reads \"" + FORMAT + "\"");
    }
    String currency = root.path("currency").asText("USD").toUpperCase(Locale.ROOT);
    LocalDate fileAsOf = date(root.get("as_of"), "as_of");
    String name = root.path("name").asText(sourceName);
    JsonNode models = root.get("models");
    if (models == null || !models.isArray()) {
      throw new CatalogException(sourceName + ": \"models\" must be an array");
    }
    List<ModelEntry> entries = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int index = 0;
    for (JsonNode model : models) {
      String label = model.path("id").asText("models[" + index + "]");
      index++;
      try {
        ModelEntry entry = entry(model, currency, fileAsOf, issues, label);
        if (!ids.add(entry.id())) {
          issues.add(new LoadIssue(label, true, "duplicate id; the first entry with it is kept"));
          continue;
        }
        entries.add(entry);
      } catch (IllegalArgumentException e) {
        issues.add(new LoadIssue(label, true, e.getMessage()));
      }
    }
    List<Adjustment> adjustments = new ArrayList<>();
    JsonNode adjustmentNodes = root.path("adjustments");
    int adjustmentIndex = 0;
    for (JsonNode node : adjustmentNodes) {
      String label = "adjustments[" + adjustmentIndex++ + "]";
      try {
        adjustments.add(adjustment(node));
      } catch (IllegalArgumentException e) {
        issues.add(new LoadIssue(label, true, e.getMessage()));
      }
    }
    return new CatalogLoad(
        new PriceLayer(name, entries, adjustments), "agentmeter", models.size(), issues);
  }

  private static ModelEntry entry(
      JsonNode model, String currency, @Nullable LocalDate fileAsOf, List<LoadIssue> issues,
      String label) {
    String id = requiredText(model, "id");
    String provider = requiredText(model, "provider");
    ModelKind kind = kind(model.path("kind").asText("chat"));
    JsonNode match = model.path("match");
    List<String> names = new ArrayList<>();
    for (JsonNode n : match.path("names")) {
      names.add(n.asText().toLowerCase(Locale.ROOT));
    }
    for (JsonNode n : match.path("aliases")) {
      names.add(n.asText().toLowerCase(Locale.ROOT));
    }
    Pattern regex = null;
    if (match.hasNonNull("regex")) {
      try {
        regex = Pattern.compile(match.get("regex").asText(), Pattern.CASE_INSENSITIVE);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("match.regex does not compile: " + e.getDescription());
      }
    }
    if (names.isEmpty() && regex == null) {
      throw new IllegalArgumentException("match has no names, aliases or regex");
    }
    JsonNode prices = model.get("prices");
    JsonNode aliasNodes = model.get("alias_of");
    if (aliasNodes != null && !aliasNodes.isNull() && !aliasNodes.isArray()) {
      throw new IllegalArgumentException("alias_of must be an array");
    }
    boolean aliased = aliasNodes != null && aliasNodes.isArray() && !aliasNodes.isEmpty();
    if (!aliased && (prices == null || !prices.isArray() || prices.isEmpty())) {
      throw new IllegalArgumentException("prices must be a non-empty array");
    }
    if (prices != null && !prices.isNull() && !prices.isArray()) {
      throw new IllegalArgumentException("prices must be an array");
    }
    List<PricePeriod> periods = new ArrayList<>();
    int p = 0;
    for (JsonNode period : prices == null ? MISSING : prices) {
      List<String> problems = new ArrayList<>(0);
      PricePeriod parsed = period(period, currency, fileAsOf, problems);
      if (parsed != null) {
        periods.add(parsed);
      }
      for (String problem : problems) {
        issues.add(new LoadIssue(label, false, "prices[" + p + "] left out: " + problem));
      }
      p++;
    }
    List<AliasPeriod> aliases = new ArrayList<>();
    int a = 0;
    for (JsonNode alias : aliased ? aliasNodes : MISSING) {
      try {
        aliases.add(alias(alias, id, fileAsOf));
      } catch (IllegalArgumentException e) {
        issues.add(new LoadIssue(label, false, "alias_of[" + a + "] left out: " + e.getMessage()));
      }
      a++;
    }
    if (periods.isEmpty() && aliases.isEmpty()) {
      throw new IllegalArgumentException(
          aliased ? "no usable price period or alias" : "no usable price period");
    }
    Retirement retired = null;
    JsonNode retiredNode = model.get("retired");
    if (retiredNode != null && !retiredNode.isNull()) {
      try {
        retired = retirement(retiredNode, fileAsOf);
      } catch (IllegalArgumentException e) {
        issues.add(new LoadIssue(label, false, "retired left out: " + e.getMessage()));
      }
    }
    checkNoOverlap(periods);
    checkTimeline(periods, aliases, retired);
    return new ModelEntry(id, provider, kind, names, regex, periods, aliases, retired);
  }

  private static AliasPeriod alias(JsonNode node, String id, @Nullable LocalDate fileAsOf) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("not an object");
    }
    String target = node.path("model").asText("");
    if (target.isBlank()) {
      throw new IllegalArgumentException("model is missing: the id of the entry it is an alias of");
    }
    if (target.equals(id)) {
      throw new IllegalArgumentException("model is the entry itself");
    }
    LocalDate from = date(node.get("effective_from"), "effective_from");
    LocalDate to = date(node.get("effective_to"), "effective_to");
    if (from != null && to != null && !from.isBefore(to)) {
      throw new IllegalArgumentException("effective_from " + from + " is not before effective_to " + to);
    }
    String source = node.path("source").asText("");
    if (source.isBlank()) {
      throw new IllegalArgumentException("source is missing: say where the alias is stated");
    }
    LocalDate asOf = date(node.get("as_of"), "as_of");
    return new AliasPeriod(target, from, to, source, asOf != null ? asOf : fileAsOf);
  }

  private static Retirement retirement(JsonNode node, @Nullable LocalDate fileAsOf) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("must be an object {from, source, as_of}");
    }
    LocalDate from = date(node.get("from"), "from");
    if (from == null) {
      throw new IllegalArgumentException("from is missing: the first day the model is retired");
    }
    String source = node.path("source").asText("");
    if (source.isBlank()) {
      throw new IllegalArgumentException("source is missing: say where the retirement is stated");
    }
    LocalDate asOf = date(node.get("as_of"), "as_of");
    return new Retirement(from, source, asOf != null ? asOf : fileAsOf);
  }

  /**
   * Price periods and aliases must not overlap (a day has one price), and nothing may start once
   * the model is retired (its last price is the one before).
   */
  private static void checkTimeline(
      List<PricePeriod> periods, List<AliasPeriod> aliases, @Nullable Retirement retired) {
    for (int i = 0; i < aliases.size(); i++) {
      AliasPeriod alias = aliases.get(i);
      for (int j = i + 1; j < aliases.size(); j++) {
        AliasPeriod other = aliases.get(j);
        if (overlap(alias.effectiveFrom(), alias.effectiveTo(), other.effectiveFrom(),
            other.effectiveTo())) {
          throw new IllegalArgumentException("alias_of periods starting " + alias.label() + " and "
              + other.label() + " overlap");
        }
      }
      for (PricePeriod period : periods) {
        if (overlap(alias.effectiveFrom(), alias.effectiveTo(), period.effectiveFrom(),
            period.effectiveTo())) {
          throw new IllegalArgumentException("alias_of period starting " + alias.label()
              + " overlaps the price period starting " + period.label());
        }
      }
    }
    if (retired == null) {
      return;
    }
    for (PricePeriod period : periods) {
      if (period.effectiveFrom() != null && !period.effectiveFrom().isBefore(retired.from())) {
        throw new IllegalArgumentException("the price period starting " + period.label()
            + " starts on or after retired.from " + retired.from());
      }
    }
    for (AliasPeriod alias : aliases) {
      if (alias.effectiveFrom() != null && !alias.effectiveFrom().isBefore(retired.from())) {
        throw new IllegalArgumentException("alias_of period starting " + alias.label()
            + " starts on or after retired.from " + retired.from());
      }
    }
  }

  private static boolean overlap(
      @Nullable LocalDate aFrom, @Nullable LocalDate aTo,
      @Nullable LocalDate bFrom, @Nullable LocalDate bTo) {
    boolean aEndsBeforeB = aTo != null && bFrom != null && !aTo.isAfter(bFrom);
    boolean bEndsBeforeA = bTo != null && aFrom != null && !bTo.isAfter(aFrom);
    return !aEndsBeforeB && !bEndsBeforeA;
  }

  /**
   * A price period, with every problem in it added to {@code problems} (not only the first, so a
   * file is fixed in one pass); the period is unusable when there is any.
   */
  private static @Nullable PricePeriod period(
      JsonNode node, String currency, @Nullable LocalDate fileAsOf, List<String> problems) {
    LocalDate from = read(problems, () -> date(node.get("effective_from"), "effective_from"));
    LocalDate to = read(problems, () -> date(node.get("effective_to"), "effective_to"));
    if (from != null && to != null && !from.isBefore(to)) {
      problems.add("effective_from " + from + " is not before effective_to " + to);
    }
    String source = node.path("source").asText("");
    if (source.isBlank()) {
      problems.add("source is missing: every figure needs one");
    }
    LocalDate asOf = read(problems, () -> date(node.get("as_of"), "as_of"));
    BucketPrices base = buckets(node, "", problems);
    if (!node.hasNonNull("input") && !node.hasNonNull("output") && !node.hasNonNull("per_request")) {
      problems.add("no input, output or per_request price");
    }
    Map<String, ServiceTierPrices> tiers = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("service_tiers").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> tier = it.next();
      String tierName = tier.getKey().toLowerCase(Locale.ROOT);
      if (!TIERS.contains(tierName)) {
        problems.add("service tier \"" + tier.getKey() + "\" is not one of " + TIERS);
        continue;
      }
      tiers.put(
          tierName,
          new ServiceTierPrices(
              buckets(tier.getValue(), "service_tiers." + tierName + ".", problems),
              longContext(tier.getValue().path("long_context"), problems)));
    }
    Map<String, BigDecimal> toolCalls = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("tool_calls").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> fee = it.next();
      BigDecimal value =
          read(problems, () -> Decimals.read(fee.getValue(), "tool_calls." + fee.getKey()));
      if (value != null) {
        toolCalls.put(fee.getKey(), value);
      }
    }
    List<LongContextTier> longContext = longContext(node.path("long_context"), problems);
    BigDecimal perRequest =
        read(problems, () -> Decimals.read(node.get("per_request"), "per_request"));
    List<TimeWindow> windows = read(problems, () -> timeWindows(node.get("time_windows")));
    if (!problems.isEmpty() || windows == null) {
      return null;
    }
    return new PricePeriod(
        from,
        to,
        node.path("currency").asText(currency).toUpperCase(Locale.ROOT),
        base,
        longContext,
        tiers,
        perRequest,
        toolCalls,
        source,
        asOf != null ? asOf : fileAsOf,
        windows);
  }

  private static List<TimeWindow> timeWindows(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException("time_windows must be an array");
    }
    List<TimeWindow> windows = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int i = 0;
    for (JsonNode window : node) {
      String prefix = "time_windows[" + i++ + "].";
      String name = window.path("name").asText("");
      if (!WINDOW_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(prefix + "name \"" + name
            + "\" must be lower-case letters, digits, '_' or '-' (it appears in price references)");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(prefix + "name \"" + name + "\" is used twice");
      }
      String zoneText = window.path("zone").asText("");
      ZoneId zone;
      try {
        zone = ZoneId.of(zoneText);
      } catch (DateTimeException e) {
        throw new IllegalArgumentException(prefix + "zone \"" + zoneText
            + "\" is not a time zone (UTC, Asia/Shanghai, America/New_York...)");
      }
      List<TimeWindow.Hours> hours = new ArrayList<>();
      if (window.has("hours")) {
        if (window.has("from") || window.has("to")) {
          throw new IllegalArgumentException(prefix + "give from/to or hours, not both");
        }
        int h = 0;
        for (JsonNode range : window.get("hours")) {
          hours.add(hours(range, prefix + "hours[" + h++ + "]."));
        }
        if (hours.isEmpty()) {
          throw new IllegalArgumentException(prefix + "hours is empty");
        }
      } else {
        hours.add(hours(window, prefix));
      }
      Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
      for (JsonNode day : window.path("days")) {
        days.add(dayOfWeek(day.asText(), prefix + "days"));
      }
      Set<LocalDate> except = new HashSet<>();
      for (JsonNode day : window.path("except_dates")) {
        LocalDate date = date(day, prefix + "except_dates");
        if (date != null) {
          except.add(date);
        }
      }
      List<String> bucketProblems = new ArrayList<>(0);
      BucketPrices prices = buckets(window, prefix, bucketProblems);
      if (!bucketProblems.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", bucketProblems));
      }
      if (prices.isEmpty()) {
        throw new IllegalArgumentException(prefix + "gives no bucket price");
      }
      windows.add(new TimeWindow(name, zone, hours, days, except, prices));
    }
    return windows;
  }

  private static TimeWindow.Hours hours(JsonNode node, String prefix) {
    LocalTime from = time(node.get("from"), prefix + "from");
    LocalTime to = time(node.get("to"), prefix + "to");
    if (from.equals(to)) {
      throw new IllegalArgumentException(prefix + "from and to are both " + from);
    }
    return new TimeWindow.Hours(from, to);
  }

  private static LocalTime time(@Nullable JsonNode node, String field) {
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException(field + " is missing (hh:mm)");
    }
    try {
      return LocalTime.parse(node.asText());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " \"" + node.asText() + "\" is not a time (hh:mm)");
    }
  }

  private static DayOfWeek dayOfWeek(String text, String field) {
    String upper = text.trim().toUpperCase(Locale.ROOT);
    for (DayOfWeek day : DayOfWeek.values()) {
      if (day.name().equals(upper) || (upper.length() == 3 && day.name().startsWith(upper))) {
        return day;
      }
    }
    throw new IllegalArgumentException(field + " \"" + text + "\" is not a day (MON ... SUN)");
  }

  /** What {@code read} gives, or {@code null} with its problem added to {@code problems}. */
  private static <T> @Nullable T read(List<String> problems, Supplier<@Nullable T> read) {
    try {
      return read.get();
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return null;
    }
  }

  private static List<LongContextTier> longContext(JsonNode node, List<String> problems) {
    List<LongContextTier> tiers = new ArrayList<>();
    for (JsonNode tier : node) {
      JsonNode threshold = tier.get("above_input_tokens");
      if (threshold == null || !threshold.canConvertToLong() || threshold.asLong() <= 0) {
        problems.add("long_context tier needs a positive integer above_input_tokens");
        continue;
      }
      tiers.add(new LongContextTier(threshold.asLong(), buckets(tier, "long_context.", problems)));
    }
    tiers.sort((a, b) -> Long.compare(a.aboveInputTokens(), b.aboveInputTokens()));
    return tiers;
  }

  private static BucketPrices buckets(JsonNode node, String prefix, List<String> problems) {
    return new BucketPrices(
        perToken(node, "input", prefix, problems),
        perToken(node, "cache_read", prefix, problems),
        perToken(node, "cache_write_5m", prefix, problems),
        perToken(node, "cache_write_1h", prefix, problems),
        perToken(node, "output", prefix, problems),
        perToken(node, "reasoning", prefix, problems),
        perToken(node, "input_audio", prefix, problems),
        perToken(node, "output_audio", prefix, problems),
        perToken(node, "input_image", prefix, problems),
        perToken(node, "output_image", prefix, problems));
  }

  private static @Nullable BigDecimal perToken(
      JsonNode node, String field, String prefix, List<String> problems) {
    BigDecimal perMillion = read(problems, () -> Decimals.read(node.get(field), prefix + field));
    return perMillion == null ? null : perMillion.movePointLeft(PER_MILLION).stripTrailingZeros();
  }

  private static Adjustment adjustment(JsonNode node) {
    BigDecimal multiplier = Decimals.read(node.get("multiplier"), "multiplier");
    if (multiplier == null) {
      throw new IllegalArgumentException("multiplier is missing");
    }
    String source = node.path("source").asText("");
    if (source.isBlank()) {
      throw new IllegalArgumentException("source is missing: say why the adjustment exists");
    }
    return new Adjustment(
        textOrNull(node, "provider"),
        textOrNull(node, "model"),
        textOrNull(node, "client"),
        date(node.get("effective_from"), "effective_from"),
        date(node.get("effective_to"), "effective_to"),
        multiplier,
        source);
  }

  private static void checkNoOverlap(List<PricePeriod> periods) {
    for (int i = 0; i < periods.size(); i++) {
      for (int j = i + 1; j < periods.size(); j++) {
        PricePeriod a = periods.get(i);
        PricePeriod b = periods.get(j);
        if (overlap(a.effectiveFrom(), a.effectiveTo(), b.effectiveFrom(), b.effectiveTo())) {
          throw new IllegalArgumentException(
              "price periods starting " + a.label() + " and " + b.label() + " overlap");
        }
      }
    }
  }

  private static ModelKind kind(String kind) {
    switch (kind.toLowerCase(Locale.ROOT)) {
      case "chat":
        return ModelKind.CHAT;
      case "embedding":
        return ModelKind.EMBEDDING;
      case "tool":
        return ModelKind.TOOL;
      default:
        throw new IllegalArgumentException(
            "kind \"" + kind + "\" is not one of chat, embedding, tool");
    }
  }

  private static String requiredText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new IllegalArgumentException(field + " is missing");
    }
    return value.asText();
  }

  private static @Nullable String textOrNull(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static @Nullable LocalDate date(@Nullable JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      return LocalDate.parse(node.asText());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          field + " \"" + node.asText() + "\" is not a date (yyyy-mm-dd)");
    }
  }
}
