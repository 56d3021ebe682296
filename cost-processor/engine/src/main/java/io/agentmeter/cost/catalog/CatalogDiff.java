package io.agentmeter.cost.catalog;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Compares a running catalogue with another price file (LiteLLM's, or any format {@link
 * CatalogLoader} reads) model by model, and writes the differences as a dated layer a user reviews
 * and keeps.
 *
 * <p>A model of the file is compared when its name is an exact name of a catalogue entry (the
 * entry of the same provider preferred); the catalogue side is the price that entry bills on the
 * day, once its dated aliases and retirement are followed. Standard prices are compared bucket by
 * bucket wherever the file gives a figure, against the figure the catalogue would bill (a bucket it
 * leaves out falls back as the pricer does: cache read and write to input, reasoning to output...).
 * Long-context tiers, service tiers, time windows and fees are not compared.
 */
public final class CatalogDiff {

  private CatalogDiff() {}

  /** A bucket whose figures differ, per token. */
  public record BucketDifference(
      String bucket, @Nullable BigDecimal ours, @Nullable BigDecimal theirs) {}

  /**
   * A model of the file whose prices differ from the catalogue's.
   *
   * @param model the model's key in the file
   * @param provider the provider the file prices it for
   * @param entry the catalogue entry the name matches
   * @param resolved what that entry bills on the day (alias target, last price...)
   * @param theirs the file's period in force on the day
   * @param buckets every bucket that differs, in catalogue order
   */
  public record ModelDifference(
      String model,
      String provider,
      ModelEntry entry,
      PriceResolution resolved,
      PricePeriod theirs,
      List<BucketDifference> buckets) {
    public ModelDifference {
      buckets = List.copyOf(buckets);
    }

    /**
     * Why a layer cannot carry the file's figures for this entry, or {@code null}: the file's
     * figures are for a name the provider now bills as another model, or no longer at all.
     */
    public @Nullable String notWritable() {
      if (resolved.retired()) {
        return entry.id() + " is retired from " + resolved.retiredFrom();
      }
      if (resolved.entry() != entry) {
        return entry.id() + " is an alias of " + resolved.entry().id() + " on that day";
      }
      if (resolved.period() == null) {
        return entry.id() + " has no price in force that day";
      }
      return null;
    }
  }

  /**
   * The comparison.
   *
   * @param day the day both sides' prices are taken on
   * @param modelsRead the file's entries (usable or not)
   * @param compared how many of the file's usable models name a catalogue entry
   * @param same how many of those have the same figures
   * @param differences the others, in file order
   * @param notInCatalogue usable models of the file no catalogue entry has as an exact name
   * @param noPriceInFile models of the file with no period in force on the day
   * @param agreeing ids of the entries some model of the file has the same prices for
   */
  public record Result(
      LocalDate day,
      int modelsRead,
      int compared,
      int same,
      List<ModelDifference> differences,
      List<String> notInCatalogue,
      List<String> noPriceInFile,
      Set<String> agreeing) {
    public Result {
      differences = List.copyOf(differences);
      notInCatalogue = List.copyOf(notInCatalogue);
      noPriceInFile = List.copyOf(noPriceInFile);
      agreeing = Set.copyOf(agreeing);
    }
  }

  private record Bucket(String name, Function<BucketPrices, @Nullable BigDecimal> own) {
    boolean output() {
      return name.startsWith("output") || name.equals("reasoning");
    }
  }

  private static final List<Bucket> BUCKETS =
      List.of(
          new Bucket("input", BucketPrices::input),
          new Bucket("cache_read", BucketPrices::cacheRead),
          new Bucket("cache_write_5m", BucketPrices::cacheWrite5m),
          new Bucket("cache_write_1h", BucketPrices::cacheWrite1h),
          new Bucket("output", BucketPrices::output),
          new Bucket("reasoning", BucketPrices::reasoning),
          new Bucket("input_audio", BucketPrices::inputAudio),
          new Bucket("output_audio", BucketPrices::outputAudio),
          new Bucket("input_image", BucketPrices::inputImage),
          new Bucket("output_image", BucketPrices::outputImage));

  /** Compares {@code running} with {@code file} on {@code day}. */
  public static Result compare(PriceCatalog running, CatalogLoad file, LocalDate day) {
    int compared = 0;
    int same = 0;
    List<ModelDifference> differences = new ArrayList<>();
    List<String> notInCatalogue = new ArrayList<>();
    List<String> noPrice = new ArrayList<>();
    Set<String> agreeing = new HashSet<>();
    for (ModelEntry theirsEntry : file.layer().entries()) {
      if (theirsEntry.kind() == ModelKind.TOOL) {
        continue;
      }
      ModelEntry ours = exact(running, theirsEntry);
      if (ours == null) {
        notInCatalogue.add(theirsEntry.id());
        continue;
      }
      PricePeriod theirs = theirsEntry.periodAt(day);
      if (theirs == null) {
        noPrice.add(theirsEntry.id());
        continue;
      }
      compared++;
      PriceResolution resolved = PriceResolution.resolve(running, ours, day);
      List<BucketDifference> buckets =
          differences(resolved.period(), theirs, resolved.entry().kind() == ModelKind.EMBEDDING);
      if (buckets.isEmpty()) {
        same++;
        agreeing.add(ours.id());
      } else {
        differences.add(new ModelDifference(
            theirsEntry.id(), theirsEntry.provider(), ours, resolved, theirs, buckets));
      }
    }
    return new Result(
        day, file.entriesRead(), compared, same, differences, notInCatalogue, noPrice, agreeing);
  }

  /**
   * The catalogue entry one of whose exact names is one of the file entry's names: the file
   * provider's entry in the topmost layer that has one, else the topmost (as spans are matched).
   */
  private static @Nullable ModelEntry exact(PriceCatalog running, ModelEntry theirs) {
    for (String name : theirs.names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      ModelEntry first = null;
      for (PriceLayer layer : running.layers()) {
        for (ModelEntry candidate : layer.exact(lower)) {
          if (candidate.provider().equals(theirs.provider())) {
            return candidate;
          }
          if (first == null) {
            first = candidate;
          }
        }
      }
      if (first != null) {
        return first;
      }
    }
    return null;
  }

  private static List<BucketDifference> differences(
      @Nullable PricePeriod ours, PricePeriod theirs, boolean embedding) {
    List<BucketDifference> result = new ArrayList<>(0);
    BucketPrices base = ours == null ? BucketPrices.NONE : ours.base();
    boolean sameCurrency = ours == null || ours.currency().equals(theirs.currency());
    for (Bucket bucket : BUCKETS) {
      if (embedding && bucket.output()) {
        continue; // embeddings produce no output tokens: an output figure is never billed
      }
      BigDecimal their = bucket.own().apply(theirs.base());
      if (their == null) {
        continue;
      }
      BigDecimal our = billed(base, bucket.name());
      if (our == null || !sameCurrency || our.compareTo(their) != 0) {
        result.add(new BucketDifference(bucket.name(), our, their));
      }
    }
    return result;
  }

  /** The figure the pricer bills for a bucket, with its fallbacks. */
  static @Nullable BigDecimal billed(BucketPrices prices, String bucket) {
    BigDecimal input = prices.input();
    BigDecimal output = prices.output();
    switch (bucket) {
      case "input":
        return input;
      case "cache_read":
        return or(prices.cacheRead(), input);
      case "cache_write_5m":
        return or(prices.cacheWrite5m(), input);
      case "cache_write_1h":
        return or(prices.cacheWrite1h(), or(prices.cacheWrite5m(), input));
      case "output":
        return output;
      case "reasoning":
        return or(prices.reasoning(), output);
      case "input_audio":
        return or(prices.inputAudio(), input);
      case "output_audio":
        return or(prices.outputAudio(), output);
      case "input_image":
        return or(prices.inputImage(), input);
      case "output_image":
        return or(prices.outputImage(), output);
      default:
        throw new IllegalArgumentException(bucket);
    }
  }

  private static @Nullable BigDecimal or(@Nullable BigDecimal a, @Nullable BigDecimal b) {
    return a != null ? a : b;
  }

  /** What {@link #layer} wrote and what it could not. */
  public record Layer(String json, List<String> written, List<String> notWritten) {
    public Layer {
      written = List.copyOf(written);
      notWritten = List.copyOf(notWritten);
    }
  }

  /**
   * The differences as a layer file in AgentMeter's format: for every differing entry, its periods
   * with the one in force on {@code effectiveFrom} closed that day and a new period from it that
   * takes the file's figures for the differing buckets and keeps everything else (tiers, windows,
   * fees). Listed instead of written: entries the file's figures cannot apply to (aliases, retired
   * models), figures the file gives for another provider than the entry's (a Vertex AI price is
   * not a Gemini API price), and entries another model of the file agrees with; when several models
   * of the file name one entry, the first is used.
   *
   * @param fileName the compared file's name, for the layer's name
   * @param effectiveFrom the first day of the new periods
   */
  public static Layer layer(Result result, String fileName, LocalDate effectiveFrom) {
    Map<String, ModelEntry> entries = new LinkedHashMap<>();
    List<String> written = new ArrayList<>();
    List<String> notWritten = new ArrayList<>();
    for (ModelDifference difference : result.differences()) {
      String id = difference.entry().id();
      String why = difference.notWritable();
      if (why == null && !difference.provider().equals(difference.entry().provider())) {
        why = "the file prices it for " + difference.provider() + ", " + id + " is "
            + difference.entry().provider() + "'s";
      }
      if (why == null && result.agreeing().contains(id)) {
        why = "another model of the file has " + id + "'s prices";
      }
      if (why == null && entries.containsKey(id)) {
        why = "another model of the file already updates " + id;
      }
      if (why == null) {
        why = updatable(difference.entry(), effectiveFrom);
      }
      if (why != null) {
        notWritten.add(difference.model() + ": " + why);
        continue;
      }
      entries.put(difference.entry().id(), updated(difference, fileName, effectiveFrom));
      written.add(difference.model() + " -> " + difference.entry().id());
    }
    String json =
        CatalogWriter.toJson(
            "prices diff of " + fileName + " from " + effectiveFrom, effectiveFrom,
            List.copyOf(entries.values()));
    return new Layer(json, written, notWritten);
  }

  private static @Nullable String updatable(ModelEntry entry, LocalDate from) {
    if (entry.periodAt(from) == null) {
      return entry.id() + " has no price in force on " + from + " to update";
    }
    AliasPeriod alias = entry.aliasAt(from);
    if (alias != null) {
      return entry.id() + " is an alias of " + alias.target() + " on " + from;
    }
    if (entry.retired() != null && entry.retired().covers(from)) {
      return entry.id() + " is retired from " + entry.retired().from();
    }
    return null;
  }

  private static ModelEntry updated(ModelDifference difference, String fileName, LocalDate from) {
    ModelEntry entry = difference.entry();
    List<PricePeriod> periods = new ArrayList<>(entry.periods().size() + 1);
    for (PricePeriod period : entry.periods()) {
      if (!period.covers(from)) {
        periods.add(period);
        continue;
      }
      if (!Objects.equals(period.effectiveFrom(), from)) {
        periods.add(withDates(period, period.effectiveFrom(), from, period.base(),
            period.source(), period.asOf()));
      }
      BucketPrices base = period.base();
      List<String> names = new ArrayList<>();
      for (BucketDifference bucket : difference.buckets()) {
        base = with(base, bucket.bucket(), bucket.theirs());
        names.add(bucket.bucket());
      }
      String source = difference.theirs().source() + " (" + String.join(", ", names)
          + "); other figures: " + period.source();
      LocalDate asOf = difference.theirs().asOf() != null ? difference.theirs().asOf() : from;
      periods.add(withDates(period, from, period.effectiveTo(), base, source, asOf));
    }
    return new ModelEntry(entry.id(), entry.provider(), entry.kind(), entry.names(), entry.regex(),
        periods, entry.aliases(), entry.retired());
  }

  private static PricePeriod withDates(
      PricePeriod p, @Nullable LocalDate from, @Nullable LocalDate to, BucketPrices base,
      String source, @Nullable LocalDate asOf) {
    return new PricePeriod(from, to, p.currency(), base, p.longContext(), p.serviceTiers(),
        p.perRequest(), p.toolCalls(), source, asOf, p.timeWindows());
  }

  private static BucketPrices with(BucketPrices p, String bucket, @Nullable BigDecimal value) {
    return new BucketPrices(
        bucket.equals("input") ? value : p.input(),
        bucket.equals("cache_read") ? value : p.cacheRead(),
        bucket.equals("cache_write_5m") ? value : p.cacheWrite5m(),
        bucket.equals("cache_write_1h") ? value : p.cacheWrite1h(),
        bucket.equals("output") ? value : p.output(),
        bucket.equals("reasoning") ? value : p.reasoning(),
        bucket.equals("input_audio") ? value : p.inputAudio(),
        bucket.equals("output_audio") ? value : p.outputAudio(),
        bucket.equals("input_image") ? value : p.inputImage(),
        bucket.equals("output_image") ? value : p.outputImage());
  }
}
