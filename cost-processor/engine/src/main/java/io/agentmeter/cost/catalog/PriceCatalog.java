package io.agentmeter.cost.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A stack of price layers, searched top first: a user's file over the bundled default. Thread-safe
 * and immutable; lookups are memoised.
 */
public final class PriceCatalog {

  // Visible for testing
  static final int MAX_MEMOISED_NAMES = 10_000;

  private static final String DEFAULT_RESOURCE = "default-prices.json";
  private static final Match NO_MATCH = new Match(null, "");
  private static final String[] STRIPPED_PREFIXES = {
    "us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.", "models/"
  };

  private static volatile @Nullable PriceCatalog defaults;

  private final List<PriceLayer> layers;
  private final ConcurrentHashMap<NameKey, Match> memo = new ConcurrentHashMap<>();

  /** A model name as a span reports it and its provider ({@code ""} for none). */
  private record NameKey(String provider, String model) {}

  private PriceCatalog(List<PriceLayer> layers) {
    this.layers = List.copyOf(layers);
  }

  /** A catalogue of the given layers, the first searched first. */
  public static PriceCatalog of(List<PriceLayer> layers) {
    return new PriceCatalog(layers);
  }

  /** The bundled, curated default catalogue. */
  public static PriceCatalog defaults() {
    PriceCatalog result = defaults;
    if (result == null) {
      result = new PriceCatalog(List.of(defaultLoad().layer()));
      defaults = result;
    }
    return result;
  }

  /** The load report of the bundled catalogue (it must load without issues). */
  public static CatalogLoad defaultLoad() {
    return CatalogLoader.parse(defaultContent(), "default", null);
  }

  /** The bundled catalogue's text, as this build carries it. */
  public static String defaultContent() {
    try (InputStream in = PriceCatalog.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("bundled catalogue " + DEFAULT_RESOURCE + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A catalogue of a bundled catalogue's text (another build's, as a ledger kept it) and its layers
   * on top, as {@link #defaults()} is of this build's.
   */
  public static PriceCatalog ofDefaults(String bundledContent) {
    return new PriceCatalog(List.of(CatalogLoader.parse(bundledContent, "default", null).layer()));
  }

  /** This catalogue with {@code layer} searched before every layer it has. */
  public PriceCatalog withLayerOnTop(PriceLayer layer) {
    List<PriceLayer> all = new ArrayList<>(layers.size() + 1);
    all.add(layer);
    all.addAll(layers);
    return new PriceCatalog(all);
  }

  /** The layers, the first searched first. */
  public List<PriceLayer> layers() {
    return layers;
  }

  /**
   * The entry for a model name as reported on a span, preferring one for {@code provider} when
   * several share the name.
   *
   * @return the match, or a match with a {@code null} entry
   */
  public Match findModel(String model, @Nullable String provider) {
    NameKey key = new NameKey(provider == null ? "" : provider, model);
    Match cached = memo.get(key);
    if (cached != null) {
      return cached;
    }
    Match found = searchModel(model, provider);
    if (memo.size() >= MAX_MEMOISED_NAMES) {
      // Model names come from spans, so a flood of distinct names must not grow memory unbounded.
      memo.clear();
    }
    memo.put(key, found);
    return found;
  }

  /** The priced tool named {@code toolName}, or {@code null}. */
  public @Nullable ModelEntry findTool(String toolName) {
    String lower = toolName.toLowerCase(Locale.ROOT);
    for (PriceLayer layer : layers) {
      List<ModelEntry> candidates = layer.tool(lower);
      if (!candidates.isEmpty()) {
        return candidates.get(0);
      }
    }
    return null;
  }

  /** The entry with id {@code id} in the topmost layer that has one (alias targets), or {@code null}. */
  public @Nullable ModelEntry findEntry(String id) {
    for (PriceLayer layer : layers) {
      ModelEntry entry = layer.entry(id);
      if (entry != null) {
        return entry;
      }
    }
    return null;
  }

  /** Every adjustment of every layer that applies, top layer first. */
  public List<Adjustment> adjustmentsFor(ModelEntry entry, @Nullable String client, LocalDate day) {
    List<Adjustment> result = null;
    for (PriceLayer layer : layers) {
      for (Adjustment adjustment : layer.adjustments()) {
        if (adjustment.appliesTo(entry, client, day)) {
          if (result == null) {
            result = new ArrayList<>(2);
          }
          result.add(adjustment);
        }
      }
    }
    return result == null ? List.of() : result;
  }

  /**
   * The entry for a name: exact, then without region prefixes, then by pattern; failing all three,
   * the same search for the name after its first {@code /} (a provider prefix such as LiteLLM's and
   * OpenRouter's {@code openai/gpt-4o}, or {@code openrouter/openai/gpt-4o}, one prefix at a time),
   * the prefix standing for the provider when the span names none. A catalogue name with the
   * prefix ({@code azure/gpt-4o}) is found by the first search, so it wins.
   */
  private Match searchModel(String model, @Nullable String provider) {
    String lower = model.toLowerCase(Locale.ROOT).trim();
    Match found = searchName(lower, provider);
    String name = lower;
    int slash;
    while (found.entry() == null && (slash = name.indexOf('/')) > 0 && slash < name.length() - 1) {
      String prefix = name.substring(0, slash);
      name = name.substring(slash + 1);
      Match unprefixed = searchName(name, provider != null ? provider : prefix);
      if (unprefixed.entry() != null) {
        found = new Match(unprefixed.entry(), unprefixed.how() + " of '" + name
            + "', the name without its provider prefix '" + lower.substring(0, lower.length()
            - name.length()) + "'");
      }
    }
    return found;
  }

  private Match searchName(String lower, @Nullable String provider) {
    ModelEntry entry = exact(lower, provider);
    if (entry != null) {
      return new Match(entry, "exact name");
    }
    String stripped = stripPrefixes(lower);
    if (!stripped.equals(lower)) {
      entry = exact(stripped, provider);
      if (entry != null) {
        return new Match(entry, "name without region prefix '" + stripped + "'");
      }
    }
    for (PriceLayer layer : layers) {
      ModelEntry byRegex = null;
      for (ModelEntry candidate : layer.withRegex()) {
        if (Objects.requireNonNull(candidate.regex()).matcher(lower).matches()
            || (!stripped.equals(lower) && candidate.regex().matcher(stripped).matches())) {
          if (provider == null || provider.equals(candidate.provider())) {
            return new Match(candidate, PATTERN + candidate.regex().pattern());
          }
          if (byRegex == null) {
            byRegex = candidate;
          }
        }
      }
      if (byRegex != null) {
        return new Match(byRegex, PATTERN + Objects.requireNonNull(byRegex.regex()).pattern());
      }
    }
    return NO_MATCH;
  }

  private @Nullable ModelEntry exact(String lowerName, @Nullable String provider) {
    // The span's provider's entry in the topmost layer that has one, else the topmost entry: a
    // user's Azure prices for "gpt-4o-mini" must not price OpenAI's gpt-4o-mini spans.
    ModelEntry first = null;
    for (PriceLayer layer : layers) {
      List<ModelEntry> candidates = layer.exact(lowerName);
      if (candidates.isEmpty()) {
        continue;
      }
      if (provider == null) {
        return candidates.get(0);
      }
      for (ModelEntry candidate : candidates) {
        if (provider.equals(candidate.provider())) {
          return candidate;
        }
      }
      if (first == null) {
        first = candidates.get(0);
      }
    }
    return first;
  }

  private static String stripPrefixes(String name) {
    String result = name;
    boolean changed = true;
    while (changed) {
      changed = false;
      for (String prefix : STRIPPED_PREFIXES) {
        if (result.startsWith(prefix) && result.length() > prefix.length()) {
          result = result.substring(prefix.length());
          changed = true;
        }
      }
    }
    return result;
  }

  /**
   * The outcome of a model lookup.
   *
   * @param entry the entry, or {@code null} when nothing matched
   * @param how how the name matched, for the price reference
   */
  public record Match(@Nullable ModelEntry entry, String how) {
    /**
     * Whether the entry was found only by its pattern: no exact name, alias or name without a
     * region or provider prefix names it (the price may be another model's).
     */
    public boolean byPattern() {
      return entry != null && how.startsWith(PATTERN);
    }
  }

  /** How a pattern match begins its {@link Match#how()}. */
  private static final String PATTERN = "pattern ";
}
