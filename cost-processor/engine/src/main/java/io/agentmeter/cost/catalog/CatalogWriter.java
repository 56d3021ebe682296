package io.agentmeter.cost.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Writes entries in AgentMeter's own format ({@code agentmeter.prices/v1}), figures per million
 * tokens as decimal strings, so that {@link CatalogLoader} reads back the same prices.
 */
public final class CatalogWriter {

  private static final int PER_MILLION = 6;

  private CatalogWriter() {}

  /**
   * A catalogue file of {@code entries}.
   *
   * @param name the file's name (shown in load reports)
   * @param asOf the file's as-of date, or {@code null}
   */
  public static String toJson(String name, @Nullable LocalDate asOf, List<ModelEntry> entries) {
    ObjectNode root = CatalogLoader.MAPPER.createObjectNode();
    root.put("format", OwnFormatParser.FORMAT);
    root.put("name", name);
    if (asOf != null) {
      root.put("as_of", asOf.toString());
    }
    root.put("currency", "USD");
    ArrayNode models = root.putArray("models");
    for (ModelEntry entry : entries) {
      models.add(entry(entry));
    }
    try {
      return CatalogLoader.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode entry(ModelEntry entry) {
    ObjectNode node = CatalogLoader.MAPPER.createObjectNode();
    node.put("id", entry.id());
    node.put("provider", entry.provider());
    node.put("kind", entry.kind().name().toLowerCase(java.util.Locale.ROOT));
    ObjectNode match = node.putObject("match");
    ArrayNode names = match.putArray("names");
    entry.names().forEach(names::add);
    if (entry.regex() != null) {
      match.put("regex", entry.regex().pattern());
    }
    if (!entry.periods().isEmpty()) {
      ArrayNode prices = node.putArray("prices");
      for (PricePeriod period : entry.periods()) {
        prices.add(period(period));
      }
    }
    if (!entry.aliases().isEmpty()) {
      ArrayNode aliases = node.putArray("alias_of");
      for (AliasPeriod alias : entry.aliases()) {
        ObjectNode a = aliases.addObject();
        a.put("model", alias.target());
        dates(a, alias.effectiveFrom(), alias.effectiveTo());
        a.put("source", alias.source());
        date(a, "as_of", alias.asOf());
      }
    }
    Retirement retired = entry.retired();
    if (retired != null) {
      ObjectNode r = node.putObject("retired");
      r.put("from", retired.from().toString());
      r.put("source", retired.source());
      date(r, "as_of", retired.asOf());
    }
    return node;
  }

  private static ObjectNode period(PricePeriod period) {
    ObjectNode node = CatalogLoader.MAPPER.createObjectNode();
    dates(node, period.effectiveFrom(), period.effectiveTo());
    if (!"USD".equals(period.currency())) {
      node.put("currency", period.currency());
    }
    buckets(node, period.base());
    if (period.perRequest() != null) {
      node.put("per_request", plain(period.perRequest()));
    }
    if (!period.toolCalls().isEmpty()) {
      ObjectNode fees = node.putObject("tool_calls");
      new TreeMap<>(period.toolCalls()).forEach((fee, value) -> fees.put(fee, plain(value)));
    }
    longContext(node, period.longContext());
    if (!period.serviceTiers().isEmpty()) {
      ObjectNode tiers = node.putObject("service_tiers");
      for (Map.Entry<String, ServiceTierPrices> tier : new TreeMap<>(period.serviceTiers()).entrySet()) {
        ObjectNode t = tiers.putObject(tier.getKey());
        buckets(t, tier.getValue().prices());
        longContext(t, tier.getValue().longContext());
      }
    }
    if (!period.timeWindows().isEmpty()) {
      ArrayNode windows = node.putArray("time_windows");
      for (TimeWindow window : period.timeWindows()) {
        ObjectNode w = windows.addObject();
        w.put("name", window.name());
        w.put("zone", window.zone().getId());
        if (!window.days().isEmpty()) {
          ArrayNode days = w.putArray("days");
          window.days().stream().sorted().forEach(d -> days.add(d.name()));
        }
        if (!window.exceptDates().isEmpty()) {
          ArrayNode except = w.putArray("except_dates");
          window.exceptDates().stream().sorted().forEach(d -> except.add(d.toString()));
        }
        ArrayNode hours = w.putArray("hours");
        for (TimeWindow.Hours range : window.hours()) {
          hours.addObject().put("from", range.from().toString()).put("to", range.to().toString());
        }
        buckets(w, window.prices());
      }
    }
    node.put("source", period.source());
    date(node, "as_of", period.asOf());
    return node;
  }

  private static void longContext(ObjectNode node, List<LongContextTier> tiers) {
    if (tiers.isEmpty()) {
      return;
    }
    ArrayNode array = node.putArray("long_context");
    for (LongContextTier tier : tiers) {
      ObjectNode t = array.addObject();
      t.put("above_input_tokens", tier.aboveInputTokens());
      buckets(t, tier.prices());
    }
  }

  private static void buckets(ObjectNode node, BucketPrices prices) {
    perMillion(node, "input", prices.input());
    perMillion(node, "cache_read", prices.cacheRead());
    perMillion(node, "cache_write_5m", prices.cacheWrite5m());
    perMillion(node, "cache_write_1h", prices.cacheWrite1h());
    perMillion(node, "output", prices.output());
    perMillion(node, "reasoning", prices.reasoning());
    perMillion(node, "input_audio", prices.inputAudio());
    perMillion(node, "output_audio", prices.outputAudio());
    perMillion(node, "input_image", prices.inputImage());
    perMillion(node, "output_image", prices.outputImage());
  }

  private static void perMillion(ObjectNode node, String field, @Nullable BigDecimal perToken) {
    if (perToken != null) {
      node.put(field, plain(perToken.movePointRight(PER_MILLION)));
    }
  }

  /** A figure per million tokens as written in catalogue files. */
  public static String perMillion(BigDecimal perToken) {
    return plain(perToken.movePointRight(PER_MILLION));
  }

  private static String plain(BigDecimal value) {
    return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
  }

  private static void dates(ObjectNode node, @Nullable LocalDate from, @Nullable LocalDate to) {
    date(node, "effective_from", from);
    date(node, "effective_to", to);
  }

  private static void date(ObjectNode node, String field, @Nullable LocalDate date) {
    if (date != null) {
      node.put(field, date.toString());
    }
  }
}
