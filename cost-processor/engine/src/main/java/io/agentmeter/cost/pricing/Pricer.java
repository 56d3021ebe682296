package io.agentmeter.cost.pricing;

import static io.agentmeter.cost.pricing.CostBreakdown.plus;
import static java.util.Objects.requireNonNull;

import io.agentmeter.cost.catalog.Adjustment;
import io.agentmeter.cost.catalog.BucketPrices;
import io.agentmeter.cost.catalog.LongContextTier;
import io.agentmeter.cost.catalog.ModelEntry;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.catalog.PricePeriod;
import io.agentmeter.cost.catalog.PriceResolution;
import io.agentmeter.cost.catalog.ServiceTierPrices;
import io.agentmeter.cost.catalog.TimeWindow;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Prices one span from the catalogue: normalises its inclusive usage into disjoint buckets, picks
 * the entry, follows its dated aliases and retirement, the period in force at the span's start, the
 * time-of-day window open then, the served tier and any long-context tier, and multiplies exactly.
 * Thread-safe; never throws for bad span data.
 */
public final class Pricer {

  private static final long NANOS_PER_DAY = 86_400_000_000_000L;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final PriceCatalog catalog;
  private final ConcurrentHashMap<RefKey, String> priceRefs = new ConcurrentHashMap<>();

  private Pricer(PriceCatalog catalog) {
    this.catalog = catalog;
  }

  /** A pricer over {@code catalog}. */
  public static Pricer create(PriceCatalog catalog) {
    return new Pricer(requireNonNull(catalog, "catalog"));
  }

  /** The catalogue prices come from. */
  public PriceCatalog catalog() {
    return catalog;
  }

  /**
   * Prices a span on its own.
   *
   * @param facts the span, read
   * @param startEpochNanos the span's start, which selects the price in force
   * @param client the client the span is attributed to (for per-client adjustments), or {@code null}
   */
  public SpanCost price(SpanFacts facts, long startEpochNanos, @Nullable String client) {
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(startEpochNanos, NANOS_PER_DAY));
    Instant start =
        Instant.ofEpochSecond(
            Math.floorDiv(startEpochNanos, NANOS_PER_SECOND),
            Math.floorMod(startEpochNanos, NANOS_PER_SECOND));
    switch (facts.category()) {
      case TOOL:
        return priceTool(facts, day, client);
      case INFERENCE:
      case EMBEDDING:
        return priceModelCall(facts, day, start, client);
      case AGENT:
        return SpanCost.notBillable("agent span; its children's calls are billed");
      default:
        return SpanCost.notBillable("not an LLM call");
    }
  }

  private SpanCost priceTool(SpanFacts facts, LocalDate day, @Nullable String client) {
    String tool = facts.toolName();
    ModelEntry entry = tool == null ? null : catalog.findTool(tool);
    if (entry == null) {
      return SpanCost.notBillable(
          tool == null ? "tool span without gen_ai.tool.name" : "tool '" + tool + "' has no price");
    }
    PriceResolution resolved = PriceResolution.resolve(catalog, entry, day);
    if (resolved.problem() != null) {
      return SpanCost.unpriced(resolved.problem());
    }
    PricePeriod period = resolved.period();
    if (period == null || period.perRequest() == null) {
      return SpanCost.unpriced(withNotes(
          "tool '" + tool + "' has no price in force on " + resolved.priceDay(), resolved));
    }
    CostBreakdown breakdown =
        new CostBreakdown(
            BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
            period.perRequest());
    return priced(entry, resolved, period, day, client, breakdown, "", notes(resolved), false);
  }

  private SpanCost priceModelCall(
      SpanFacts facts, LocalDate day, Instant start, @Nullable String client) {
    if (!facts.usageProblems().isEmpty()) {
      return SpanCost.unpriced("bad usage data: " + String.join("; ", facts.usageProblems()));
    }
    String model = facts.model();
    if (model == null) {
      return SpanCost.unpriced("no model name (gen_ai.response.model and gen_ai.request.model absent)");
    }
    TokenUsage usage = facts.usage();
    if (!usage.isReported()) {
      return facts.error()
          ? SpanCost.notBillable("failed call reported no token usage")
          : SpanCost.unpriced("no token usage reported");
    }
    if (usage.input() == null) {
      return SpanCost.unpriced("input token count not reported");
    }
    if (facts.category() == SpanCategory.INFERENCE && usage.output() == null) {
      return SpanCost.unpriced("output token count not reported");
    }
    PriceCatalog.Match match = catalog.findModel(model, facts.provider());
    if (match.entry() == null && facts.requestModel() != null && !facts.requestModel().equals(model)) {
      match = catalog.findModel(facts.requestModel(), facts.provider());
    }
    ModelEntry entry = match.entry();
    if (entry == null) {
      return SpanCost.unpriced("model '" + model + "' is not in the price catalogue");
    }
    PriceResolution resolved = PriceResolution.resolve(catalog, entry, day);
    if (resolved.problem() != null) {
      return SpanCost.unpriced(resolved.problem());
    }
    PricePeriod period = resolved.period();
    if (period == null) {
      return SpanCost.unpriced(withNotes(
          "no price for " + resolved.entry().id() + " in force on " + resolved.priceDay()
              + (resolved.priceDay().equals(day) ? " (span start)" : ""), resolved));
    }
    return priceTokens(facts, usage, entry, resolved, period, day, start, client, match.byPattern());
  }

  private SpanCost priceTokens(
      SpanFacts facts, TokenUsage usage, ModelEntry matched, PriceResolution resolved,
      PricePeriod period, LocalDate day, Instant start, @Nullable String client,
      boolean byPattern) {
    ModelEntry entry = resolved.entry();
    List<String> notes = notes(resolved);

    // Normalise inclusive semconv counts into disjoint buckets.
    long input = usage.input();
    long cacheRead = TokenUsage.orZero(usage.cacheRead());
    long cacheWrite = TokenUsage.orZero(usage.cacheWrite());
    long cacheWrite1h = Math.min(TokenUsage.orZero(usage.cacheWrite1h()), cacheWrite);
    long uncached;
    long totalInput;
    if (cacheRead + cacheWrite > input) {
      uncached = input;
      totalInput = input + cacheRead + cacheWrite;
      notes = note(notes, "cache tokens (" + (cacheRead + cacheWrite) + ") exceed input tokens ("
          + input + "): producer counts treated as disjoint");
    } else {
      uncached = input - cacheRead - cacheWrite;
      totalInput = input;
    }
    long audioIn = TokenUsage.orZero(usage.audioInput());
    long imageIn = TokenUsage.orZero(usage.imageInput());
    if (audioIn + imageIn > uncached) {
      notes = note(notes, "audio/image input tokens exceed uncached input: priced as text");
      audioIn = 0;
      imageIn = 0;
    }
    long textIn = uncached - audioIn - imageIn;

    long output = TokenUsage.orZero(usage.output());
    long reasoning = TokenUsage.orZero(usage.reasoning());
    long nonReasoning;
    if (reasoning > output) {
      nonReasoning = output;
      notes = note(notes, "reasoning tokens (" + reasoning + ") exceed output tokens (" + output
          + "): producer counts treated as disjoint");
    } else {
      nonReasoning = output - reasoning;
    }
    long audioOut = TokenUsage.orZero(usage.audioOutput());
    long imageOut = TokenUsage.orZero(usage.imageOutput());
    if (audioOut + imageOut > nonReasoning) {
      notes = note(notes, "audio/image output tokens exceed output: priced as text");
      audioOut = 0;
      imageOut = 0;
    }
    long textOut = nonReasoning - audioOut - imageOut;

    // Choose the rate set: time-of-day window, then served tier, then long-context tier.
    BucketPrices prices = period.base();
    List<LongContextTier> tiers = period.longContext();
    String ref = "";
    TimeWindow window = period.timeWindows().isEmpty() ? null : period.windowAt(start);
    if (window != null) {
      prices = window.prices().over(prices);
      ref = "/" + window.name();
    }
    String tier = facts.serviceTier();
    if (tier != null && isPricedTier(tier)) {
      ServiceTierPrices tierPrices = period.serviceTiers().get(tier);
      if (tierPrices == null) {
        return SpanCost.unpriced(
            "served on the '" + tier + "' tier, which has no price for " + entry.id());
      }
      prices = tierPrices.prices().over(prices);
      tiers = tierPrices.longContext().isEmpty() ? tiers : tierPrices.longContext();
      ref = ref + "/" + tier;
    }
    for (int i = tiers.size() - 1; i >= 0; i--) {
      LongContextTier longContext = tiers.get(i);
      if (totalInput > longContext.aboveInputTokens()) {
        prices = longContext.prices().over(prices);
        ref = ref + "/above-" + longContext.aboveInputTokens();
        break;
      }
    }

    BigDecimal inputPrice = prices.input();
    if (inputPrice == null && totalInput > 0) {
      return SpanCost.unpriced(entry.id() + " has no input price");
    }
    BigDecimal outputPrice = prices.output();
    if (outputPrice == null && output > 0) {
      return SpanCost.unpriced(entry.id() + " has no output price");
    }
    BigDecimal cacheReadPrice = or(prices.cacheRead(), inputPrice);
    BigDecimal cacheWrite5mPrice = or(prices.cacheWrite5m(), inputPrice);
    BigDecimal cacheWrite1hPrice = or(prices.cacheWrite1h(), cacheWrite5mPrice);

    BigDecimal inputCost =
        plus(plus(times(textIn, inputPrice), times(audioIn, or(prices.inputAudio(), inputPrice))),
            times(imageIn, or(prices.inputImage(), inputPrice)));
    BigDecimal cacheReadCost = times(cacheRead, cacheReadPrice);
    BigDecimal cacheWriteCost =
        plus(times(cacheWrite - cacheWrite1h, cacheWrite5mPrice), times(cacheWrite1h, cacheWrite1hPrice));
    BigDecimal outputCost =
        plus(plus(times(textOut, outputPrice), times(audioOut, or(prices.outputAudio(), outputPrice))),
            times(imageOut, or(prices.outputImage(), outputPrice)));
    // Inclusive or disjoint, every reasoning token is billed once at the reasoning price.
    BigDecimal reasoningCost = times(reasoning, or(prices.reasoning(), outputPrice));

    BigDecimal fees = BigDecimal.ZERO;
    if (period.perRequest() != null) {
      fees = plus(fees, period.perRequest());
    }
    if (!period.toolCalls().isEmpty()) {
      List<String> feeProblems = new ArrayList<>(0);
      for (Map.Entry<String, BigDecimal> fee : period.toolCalls().entrySet()) {
        long calls = facts.toolCalls(fee.getKey(), feeProblems);
        if (calls > 0) {
          fees = plus(fees, fee.getValue().multiply(BigDecimal.valueOf(calls)));
        }
      }
      if (!feeProblems.isEmpty()) {
        return SpanCost.unpriced("bad tool-call counts: " + String.join("; ", feeProblems));
      }
    }
    CostBreakdown breakdown =
        new CostBreakdown(inputCost, cacheReadCost, cacheWriteCost, outputCost, reasoningCost, fees);
    return priced(matched, resolved, period, day, client, breakdown, ref, notes, byPattern);
  }

  private SpanCost priced(
      ModelEntry matched,
      PriceResolution resolved,
      PricePeriod period,
      LocalDate day,
      @Nullable String client,
      CostBreakdown breakdown,
      String tierRef,
      @Nullable List<String> notes,
      boolean byPattern) {
    ModelEntry entry = resolved.entry();
    List<Adjustment> adjustments = catalog.adjustmentsFor(entry, client, day);
    if (matched != entry) {
      // A contract on the name the span reports applies to it whatever entry now prices it.
      List<Adjustment> all = null;
      for (Adjustment adjustment : catalog.adjustmentsFor(matched, client, day)) {
        if (!adjustments.contains(adjustment)) {
          if (all == null) {
            all = new ArrayList<>(adjustments);
          }
          all.add(adjustment);
        }
      }
      if (all != null) {
        adjustments = all;
      }
    }
    for (Adjustment adjustment : adjustments) {
      breakdown = breakdown.multiply(adjustment.multiplier());
      notes = note(notes, "adjusted x" + adjustment.multiplier().toPlainString() + " ("
          + adjustment.source() + ")");
    }
    return new SpanCost(
        CostStatus.PRICED,
        breakdown.total().stripTrailingZeros(),
        period.currency(),
        breakdown,
        priceRef(entry, period, tierRef),
        entry.id(),
        notes == null ? null : String.join("; ", notes),
        new PriceBasis(byPattern, resolved.retiredFrom(), period.asOf()));
  }

  /** {@code entry@period[/tier][/above-N]}, made once per catalogue entry, period and tier. */
  private String priceRef(ModelEntry entry, PricePeriod period, String tierRef) {
    RefKey key = new RefKey(entry, period, tierRef);
    String ref = priceRefs.get(key);
    if (ref == null) {
      ref = entry.id() + "@" + period.label() + tierRef;
      // Entries and periods are the catalogue's own objects, so the map is bounded by its size.
      priceRefs.putIfAbsent(key, ref);
    }
    return ref;
  }

  /** A catalogue entry, one of its periods (both by identity) and a tier reference. */
  private record RefKey(ModelEntry entry, PricePeriod period, String tierRef) {
    @Override
    public boolean equals(Object o) {
      return o instanceof RefKey k && k.entry == entry && k.period == period
          && k.tierRef.equals(tierRef);
    }

    @Override
    public int hashCode() {
      return (System.identityHashCode(entry) * 31 + System.identityHashCode(period)) * 31
          + tierRef.hashCode();
    }
  }

  private static boolean isPricedTier(String tier) {
    // "default", "auto", "standard" and "scale" are billed at standard prices.
    return tier.equals("batch") || tier.equals("flex") || tier.equals("priority");
  }

  private static BigDecimal times(long tokens, @Nullable BigDecimal price) {
    if (tokens == 0 || price == null) {
      return BigDecimal.ZERO;
    }
    return price.multiply(BigDecimal.valueOf(tokens));
  }

  private static @Nullable BigDecimal or(@Nullable BigDecimal value, @Nullable BigDecimal fallback) {
    return value != null ? value : fallback;
  }

  /** The resolution's notes as a list later notes can be added to, or {@code null} if none. */
  private static @Nullable List<String> notes(PriceResolution resolved) {
    return resolved.notes().isEmpty() ? null : new ArrayList<>(resolved.notes());
  }

  private static String withNotes(String reason, PriceResolution resolved) {
    return resolved.notes().isEmpty()
        ? reason
        : reason + " (" + String.join("; ", resolved.notes()) + ")";
  }

  private static List<String> note(@Nullable List<String> notes, String note) {
    List<String> result = notes == null ? new ArrayList<>(2) : notes;
    result.add(note);
    return result;
  }

}
