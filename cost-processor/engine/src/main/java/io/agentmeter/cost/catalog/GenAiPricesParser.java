package io.agentmeter.cost.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Parses Pydantic's {@code genai-prices} {@code data.json}: an array of providers, each with models,
 * prices per million tokens, match clauses, and conditional prices by start date or UTC time of
 * day.
 *
 * <p>Mapping: {@code input_mtok}, {@code cache_read_mtok}, {@code cache_write_mtok} (the 5-minute
 * write), {@code output_mtok}, {@code output_reasoning_mtok}, {@code input_audio_mtok}, {@code
 * output_audio_mtok}; {@code requests_kcount} a fee per request (÷ 1000). Tiered prices {@code
 * {base, tiers: [{start, price}]}} become long-context tiers above {@code start} input tokens.
 * Conditional prices: the first is the price when no other applies; a {@code start_date} (or {@code
 * start}) starts a new price period; a {@code start_time}/{@code end_time} constraint becomes a UTC
 * time window (later ones take precedence, as genai-prices reads them). A model's names are its id
 * and every {@code equals} clause; its whole match clause becomes its regex.
 */
final class GenAiPricesParser {

  private static final int PER_MILLION = 6;

  /** genai-prices provider ids → {@code gen_ai.provider.name} values. */
  private static final Map<String, String> PROVIDERS =
      Map.ofEntries(
          Map.entry("openai", "openai"),
          Map.entry("anthropic", "anthropic"),
          Map.entry("aws", "aws.bedrock"),
          Map.entry("azure", "azure.ai.openai"),
          Map.entry("google", "gcp.gemini"),
          Map.entry("mistral", "mistral_ai"),
          Map.entry("deepseek", "deepseek"),
          Map.entry("cohere", "cohere"),
          Map.entry("groq", "groq"),
          Map.entry("x_ai", "x_ai"),
          Map.entry("perplexity", "perplexity"));

  private static final Set<String> PRICE_FIELDS =
      Set.of("input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok",
          "output_reasoning_mtok", "input_audio_mtok", "output_audio_mtok", "requests_kcount");

  private GenAiPricesParser() {}

  /** Whether {@code root} has genai-prices' shape: an array of providers with models. */
  static boolean looksLikeGenAiPrices(JsonNode root) {
    return root.isArray() && !root.isEmpty() && root.get(0).isObject()
        && root.get(0).has("models") && root.get(0).has("id");
  }

  static CatalogLoad parse(JsonNode root, String sourceName, @Nullable LocalDate asOf) {
    List<LoadIssue> issues = new ArrayList<>();
    List<ModelEntry> entries = new ArrayList<>();
    int read = 0;
    for (JsonNode providerNode : root) {
      String providerId = providerNode.path("id").asText("");
      String provider = PROVIDERS.getOrDefault(providerId, providerId);
      String page = providerNode.path("pricing_urls").path(0).asText("");
      for (JsonNode model : providerNode.path("models")) {
        read++;
        String id = providerId + "/" + model.path("id").asText("");
        try {
          entries.add(entry(model, id, provider, sourceName, page, asOf, issues));
        } catch (IllegalArgumentException e) {
          issues.add(new LoadIssue(id, true, e.getMessage()));
        }
      }
    }
    return new CatalogLoad(
        new PriceLayer(sourceName, entries, List.of()), "genai-prices", read, issues);
  }

  private static ModelEntry entry(
      JsonNode model, String id, String provider, String sourceName, String page,
      @Nullable LocalDate asOf, List<LoadIssue> issues) {
    String modelId = model.path("id").asText("");
    if (modelId.isBlank()) {
      throw new IllegalArgumentException("id is missing");
    }
    TreeSet<String> names = new TreeSet<>();
    names.add(modelId.toLowerCase(Locale.ROOT));
    JsonNode match = model.get("match");
    Pattern regex = null;
    if (match != null) {
      equalsClauses(match, names);
      try {
        regex = Pattern.compile(regex(match), Pattern.CASE_INSENSITIVE);
      } catch (IllegalArgumentException e) {
        issues.add(new LoadIssue(id, false, "match left out: " + e.getMessage()));
      }
    }
    LocalDate checked = date(model.get("prices_checked"));
    String source = "genai-prices " + sourceName + (page.isEmpty() ? "" : " (" + page + ")");
    LocalDate periodAsOf = checked != null ? checked : asOf;

    // The base price, then conditional prices: date boundaries and UTC windows.
    JsonNode prices = model.get("prices");
    if (prices == null || prices.isNull()) {
      throw new IllegalArgumentException("prices is missing");
    }
    List<JsonNode> conditional = new ArrayList<>();
    if (prices.isArray()) {
      prices.forEach(conditional::add);
    } else {
      conditional.add(mapOf(prices));
    }
    if (conditional.isEmpty()) {
      throw new IllegalArgumentException("prices is empty");
    }
    Set<String> ignored = new TreeSet<>();
    for (JsonNode c : conditional) {
      for (Iterator<String> it = c.path("prices").fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (!PRICE_FIELDS.contains(field)) {
          ignored.add(field);
        }
      }
    }
    if (!ignored.isEmpty()) {
      issues.add(new LoadIssue(id, false, "not read: " + String.join(", ", ignored)));
    }
    // start day → the price in force from it (date-only constraints); the first is always.
    TreeMap<LocalDate, JsonNode> byDate = new TreeMap<>();
    JsonNode always = conditional.get(0).path("prices");
    List<JsonNode> windows = new ArrayList<>();
    List<LocalDate> windowDates = new ArrayList<>();
    for (int i = 1; i < conditional.size(); i++) {
      JsonNode c = conditional.get(i);
      JsonNode constraint = c.path("constraint");
      LocalDate start = date(constraint.has("start_date") ? constraint.get("start_date")
          : constraint.get("start"));
      if (constraint.has("start_time") || constraint.has("end_time")) {
        windows.add(c);
        windowDates.add(start);
        if (start != null) {
          byDate.putIfAbsent(start, null);
        }
      } else if (start != null) {
        byDate.put(start, c.path("prices"));
      } else {
        always = c.path("prices"); // an unconstrained later price takes precedence
      }
    }
    List<PricePeriod> periods = new ArrayList<>();
    LocalDate from = null;
    JsonNode current = always;
    for (Map.Entry<LocalDate, JsonNode> boundary : byDate.entrySet()) {
      periods.add(period(from, boundary.getKey(), current, windows, windowDates, source,
          periodAsOf));
      from = boundary.getKey();
      if (boundary.getValue() != null) {
        current = boundary.getValue();
      }
    }
    periods.add(period(from, null, current, windows, windowDates, source, periodAsOf));
    return new ModelEntry(id, provider, ModelKind.CHAT, List.copyOf(names), regex, periods);
  }

  private static JsonNode mapOf(JsonNode prices) {
    return CatalogLoader.MAPPER.createObjectNode().set("prices", prices);
  }

  private static PricePeriod period(
      @Nullable LocalDate from, @Nullable LocalDate to, JsonNode prices, List<JsonNode> windows,
      List<LocalDate> windowDates, String source, @Nullable LocalDate asOf) {
    Tiered tiered = new Tiered();
    BucketPrices base = buckets(prices, tiered);
    if (base.input() == null && base.output() == null) {
      throw new IllegalArgumentException("no input or output price");
    }
    List<TimeWindow> timeWindows = new ArrayList<>();
    // genai-prices tries conditional prices last to first; the first open window wins here.
    for (int i = windows.size() - 1; i >= 0; i--) {
      LocalDate windowFrom = windowDates.get(i);
      if (windowFrom != null && (from == null || from.isBefore(windowFrom))) {
        continue;
      }
      JsonNode constraint = windows.get(i).path("constraint");
      LocalTime start = time(constraint.get("start_time"), LocalTime.MIDNIGHT);
      LocalTime end = time(constraint.get("end_time"), LocalTime.MIDNIGHT);
      if (start.equals(end)) {
        continue;
      }
      timeWindows.add(new TimeWindow("utc_" + start.toString().replace(":", "") + "_"
          + end.toString().replace(":", ""), ZoneOffset.UTC,
          List.of(new TimeWindow.Hours(start, end)), Set.of(), Set.of(),
          buckets(windows.get(i).path("prices"), new Tiered())));
    }
    BigDecimal kcount = decimal(prices.get("requests_kcount"), "requests_kcount");
    return new PricePeriod(from, to, "USD", base, tiered.tiers(), Map.of(),
        kcount == null ? null : kcount.movePointLeft(3).stripTrailingZeros(), Map.of(), source,
        asOf, timeWindows);
  }

  /** Long-context tiers collected from tiered bucket prices: threshold → bucket → price. */
  private static final class Tiered {
    final TreeMap<Long, BigDecimal[]> byStart = new TreeMap<>();

    void add(long start, int bucket, BigDecimal price) {
      byStart.computeIfAbsent(start, s -> new BigDecimal[10])[bucket] = price;
    }

    List<LongContextTier> tiers() {
      List<LongContextTier> tiers = new ArrayList<>();
      byStart.forEach((start, v) -> tiers.add(new LongContextTier(start, new BucketPrices(
          v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]))));
      return tiers;
    }
  }

  private static BucketPrices buckets(JsonNode prices, Tiered tiered) {
    return new BucketPrices(
        perToken(prices, "input_mtok", 0, tiered),
        perToken(prices, "cache_read_mtok", 1, tiered),
        perToken(prices, "cache_write_mtok", 2, tiered),
        null,
        perToken(prices, "output_mtok", 4, tiered),
        perToken(prices, "output_reasoning_mtok", 5, tiered),
        perToken(prices, "input_audio_mtok", 6, tiered),
        perToken(prices, "output_audio_mtok", 7, tiered),
        null,
        null);
  }

  private static @Nullable BigDecimal perToken(
      JsonNode prices, String field, int bucket, Tiered tiered) {
    JsonNode node = prices.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isObject()) {
      for (JsonNode tier : node.path("tiers")) {
        BigDecimal price = decimal(tier.get("price"), field + ".tiers.price");
        if (price != null && tier.path("start").canConvertToLong()) {
          tiered.add(tier.get("start").asLong(), bucket, price.movePointLeft(PER_MILLION));
        }
      }
      node = node.get("base");
    }
    BigDecimal perMillion = decimal(node, field);
    return perMillion == null ? null : perMillion.movePointLeft(PER_MILLION).stripTrailingZeros();
  }

  private static @Nullable BigDecimal decimal(@Nullable JsonNode node, String field) {
    return Decimals.read(node, field);
  }

  private static void equalsClauses(JsonNode clause, Set<String> names) {
    if (clause.has("equals")) {
      names.add(clause.get("equals").asText().toLowerCase(Locale.ROOT));
    }
    for (JsonNode c : clause.path("or")) {
      equalsClauses(c, names);
    }
  }

  /** A match clause as a Java regex the whole model name must match. */
  static String regex(JsonNode clause) {
    if (clause.has("equals")) {
      return Pattern.quote(clause.get("equals").asText());
    }
    if (clause.has("starts_with")) {
      return Pattern.quote(clause.get("starts_with").asText()) + ".*";
    }
    if (clause.has("ends_with")) {
      return ".*" + Pattern.quote(clause.get("ends_with").asText());
    }
    if (clause.has("contains")) {
      return ".*" + Pattern.quote(clause.get("contains").asText()) + ".*";
    }
    if (clause.has("regex")) {
      String r = clause.get("regex").asText();
      try {
        Pattern.compile(r);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("regex does not compile: " + e.getDescription());
      }
      return ".*(?:" + r + ").*";
    }
    if (clause.has("or")) {
      List<String> parts = new ArrayList<>();
      clause.get("or").forEach(c -> parts.add(regex(c)));
      return "(?:" + String.join("|", parts) + ")";
    }
    if (clause.has("and")) {
      StringBuilder all = new StringBuilder();
      clause.get("and").forEach(c -> all.append("(?=(?:").append(regex(c)).append(")$)"));
      return all + ".*";
    }
    throw new IllegalArgumentException("match clause " + clause + " is not one genai-prices defines");
  }

  private static @Nullable LocalDate date(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    String text = node.asText();
    try {
      return LocalDate.parse(text.length() > 10 ? text.substring(0, 10) : text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("\"" + text + "\" is not a date");
    }
  }

  private static LocalTime time(@Nullable JsonNode node, LocalTime absent) {
    if (node == null || node.isNull()) {
      return absent;
    }
    String text = node.asText().replace("Z", "");
    try {
      return LocalTime.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("\"" + node.asText() + "\" is not a UTC time");
    }
  }
}
