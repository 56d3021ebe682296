package io.agentmeter.cost.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses LiteLLM's {@code model_prices_and_context_window.json}: one object per model key, prices
 * per token, no effective dates.
 */
final class LiteLlmParser {

  private static final Pattern ABOVE = Pattern.compile("(.+)_above_(\\d+)k_tokens");

  /** LiteLLM base field name → bucket index in {@link Buckets}. */
  private static final Map<String, Integer> BUCKETS =
      Map.ofEntries(
          Map.entry("input_cost_per_token", 0),
          Map.entry("cache_read_input_token_cost", 1),
          Map.entry("input_cost_per_token_cache_hit", 1),
          Map.entry("cache_creation_input_token_cost", 2),
          Map.entry("cache_creation_input_token_cost_above_1hr", 3),
          Map.entry("output_cost_per_token", 4),
          Map.entry("output_cost_per_reasoning_token", 5),
          Map.entry("input_cost_per_audio_token", 6),
          Map.entry("output_cost_per_audio_token", 7),
          Map.entry("input_cost_per_image_token", 8),
          Map.entry("output_cost_per_image_token", 9));

  /** LiteLLM provider names → {@code gen_ai.provider.name} values. */
  private static final Map<String, String> PROVIDERS =
      Map.ofEntries(
          Map.entry("openai", "openai"),
          Map.entry("text-completion-openai", "openai"),
          Map.entry("anthropic", "anthropic"),
          Map.entry("bedrock", "aws.bedrock"),
          Map.entry("bedrock_converse", "aws.bedrock"),
          Map.entry("azure", "azure.ai.openai"),
          Map.entry("azure_text", "azure.ai.openai"),
          Map.entry("azure_ai", "azure.ai.inference"),
          Map.entry("gemini", "gcp.gemini"),
          Map.entry("vertex_ai", "gcp.vertex_ai"),
          Map.entry("mistral", "mistral_ai"),
          Map.entry("deepseek", "deepseek"),
          Map.entry("cohere", "cohere"),
          Map.entry("cohere_chat", "cohere"),
          Map.entry("groq", "groq"),
          Map.entry("xai", "x_ai"),
          Map.entry("perplexity", "perplexity"),
          Map.entry("watsonx", "ibm.watsonx.ai"));

  private LiteLlmParser() {}

  static CatalogLoad parse(JsonNode root, String sourceName, @Nullable LocalDate asOf) {
    List<LoadIssue> issues = new ArrayList<>();
    List<ModelEntry> entries = new ArrayList<>();
    int read = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      read++;
      String key = field.getKey();
      JsonNode value = field.getValue();
      if ("sample_spec".equals(key)) {
        issues.add(new LoadIssue(key, true, "documentation entry, not a model"));
        continue;
      }
      if (!value.isObject()) {
        issues.add(new LoadIssue(key, true, "value is not an object"));
        continue;
      }
      try {
        ModelEntry entry = entry(key, value, sourceName, asOf, issues);
        entries.add(entry);
      } catch (IllegalArgumentException e) {
        issues.add(new LoadIssue(key, true, e.getMessage()));
      }
    }
    return new CatalogLoad(new PriceLayer(sourceName, entries, List.of()), "litellm", read, issues);
  }

  private static ModelEntry entry(
      String key, JsonNode value, String sourceName, @Nullable LocalDate asOf,
      List<LoadIssue> issues) {
    String litellmProvider = value.path("litellm_provider").asText("");
    String provider =
        PROVIDERS.getOrDefault(
            litellmProvider,
            litellmProvider.startsWith("vertex_ai") ? "gcp.vertex_ai" : litellmProvider);
    String mode = value.path("mode").asText("chat");
    ModelKind kind = "embedding".equals(mode) ? ModelKind.EMBEDDING : ModelKind.CHAT;

    // (tier, threshold) → prices; tier "" is standard, threshold 0 is the base rate set.
    Map<String, TreeMap<Long, Buckets>> rates = new LinkedHashMap<>();
    BigDecimal perRequest = null;
    Map<String, BigDecimal> toolCalls = new LinkedHashMap<>();
    List<String> ignored = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      if (!name.contains("cost")) {
        continue; // limits, capabilities and metadata are not prices
      }
      try {
        if ("input_cost_per_request".equals(name)) {
          perRequest = Decimals.read(field.getValue(), name);
          continue;
        }
        if ("search_context_cost_per_query".equals(name)) {
          BigDecimal medium =
              Decimals.read(field.getValue().get("search_context_size_medium"), name + ".medium");
          if (medium != null) {
            toolCalls.put("web_search", medium);
          }
          continue;
        }
        String tier = "";
        String base = name;
        if (base.endsWith("_priority")) {
          tier = "priority";
          base = base.substring(0, base.length() - "_priority".length());
        } else if (base.endsWith("_flex")) {
          tier = "flex";
          base = base.substring(0, base.length() - "_flex".length());
        } else if (base.endsWith("_batches")) {
          tier = "batch";
          base = base.substring(0, base.length() - "_batches".length());
        } else if (base.endsWith("_batch_requests")) {
          tier = "batch";
          base = base.substring(0, base.length() - "_batch_requests".length());
        }
        long threshold = 0;
        Matcher above = ABOVE.matcher(base);
        if (above.matches()) {
          base = above.group(1);
          threshold = Long.parseLong(above.group(2)) * 1000;
        }
        Integer bucket = BUCKETS.get(base);
        if (bucket == null) {
          ignored.add(name);
          continue;
        }
        BigDecimal price = Decimals.read(field.getValue(), name);
        if (price == null) {
          continue;
        }
        Buckets target =
            rates.computeIfAbsent(tier, t -> new TreeMap<>())
                .computeIfAbsent(threshold, t -> new Buckets());
        if (bucket == 1 && target.values[1] != null) {
          continue; // cache_read_input_token_cost wins over the older *_cache_hit spelling
        }
        target.values[bucket] = price;
      } catch (IllegalArgumentException e) {
        bad.add(e.getMessage());
      }
    }
    for (String message : bad) {
      issues.add(new LoadIssue(key, false, message));
    }
    TreeMap<Long, Buckets> standard = rates.get("");
    Buckets baseRates = standard == null ? null : standard.get(0L);
    if (baseRates == null || (baseRates.values[0] == null && baseRates.values[4] == null)) {
      throw new IllegalArgumentException(
          ignored.isEmpty()
              ? "no per-token price"
              : "no per-token price (priced only by " + String.join(", ", ignored) + ")");
    }
    if (!ignored.isEmpty()) {
      issues.add(
          new LoadIssue(
              key, false, "units not priced per token, ignored: " + String.join(", ", ignored)));
    }
    Map<String, ServiceTierPrices> serviceTiers = new LinkedHashMap<>();
    for (Map.Entry<String, TreeMap<Long, Buckets>> tier : rates.entrySet()) {
      if (tier.getKey().isEmpty()) {
        continue;
      }
      Buckets tierBase = tier.getValue().get(0L);
      serviceTiers.put(
          tier.getKey(),
          new ServiceTierPrices(
              tierBase == null ? BucketPrices.NONE : tierBase.toPrices(),
              longContext(tier.getValue())));
    }
    PricePeriod period =
        new PricePeriod(
            null,
            null,
            "USD",
            baseRates.toPrices(),
            longContext(standard),
            serviceTiers,
            perRequest,
            toolCalls,
            "LiteLLM price file " + sourceName,
            asOf);
    List<String> names = new ArrayList<>();
    names.add(key.toLowerCase(Locale.ROOT));
    return new ModelEntry(key, provider, kind, names, null, List.of(period));
  }

  private static List<LongContextTier> longContext(TreeMap<Long, Buckets> byThreshold) {
    List<LongContextTier> tiers = new ArrayList<>();
    for (Map.Entry<Long, Buckets> e : byThreshold.entrySet()) {
      if (e.getKey() > 0) {
        tiers.add(new LongContextTier(e.getKey(), e.getValue().toPrices()));
      }
    }
    return tiers;
  }

  /** Mutable holder while one entry's fields are read. */
  private static final class Buckets {
    final BigDecimal[] values = new BigDecimal[10];

    BucketPrices toPrices() {
      return new BucketPrices(
          values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
          values[8], values[9]);
    }
  }
}
