package io.agentmeter.processor.metrics;

import io.agentmeter.processor.model.CounterTotals;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The service's metrics, kept and written out by the Prometheus Java client (text exposition
 * format 0.0.4). Every instance has a registry of its own.
 *
 * <p>Names as exposed: the client names a counter without its {@code _total} suffix and writes the
 * suffix out, so {@code agentmeter_cost_total}, {@code agentmeter_tokens_total} and the other
 * counters read as they always have. Label names are written in alphabetical order, values as
 * Java writes a double ({@code 4.0}; {@code 1.2E7} from ten million on). A family with labels is
 * written once it has a series; the rejection reasons ({@link #REJECT_REASONS}) and the signals
 * dropped ({@link #DROPPED_SIGNALS}) are there at 0 from the start.
 *
 * <p>Money you can sum over any range: cost, token and unpriced-span series start at 0 (a new
 * series is shown at 0 by one scrape before its first amount, see {@link ZeroFirst}), are restored
 * from the ledger at start ({@link #restore}) rather than starting over, and never decrease: what a
 * later rollup takes back from a label set (a late span moving a shared cost, a reprice) is added
 * to {@code agentmeter_cost_reversed_total}, so the ledger's amount for a label set is
 * {@code agentmeter_cost_total - agentmeter_cost_reversed_total}, over any range.
 *
 * <p>Money: {@link #addCost} adds the exact {@link BigDecimal} amount to an exact per-label-set sum
 * (see {@link #costs()}); only at a scrape is each sum turned into the nearest {@code double}, which
 * the exposition format carries. The exposed value therefore has a relative error of at most one
 * part in 2<sup>53</sup> (about 1e-16: 15 significant digits are right), and it never accumulates
 * rounding from one addition to the next. The ledger, not {@code /metrics}, is the exact record.
 * Token and span counters are whole numbers, exact as doubles up to 2<sup>53</sup>.
 */
public final class Metrics {

  /**
   * The reasons the receivers reject for, shown at 0 from the start: the client writes a labelled
   * family only once it has a series, and a dashboard's {@code rate()} needs the 0 to start from.
   * A reason not listed here is counted all the same, from its first rejection.
   */
  static final List<String> REJECT_REASONS = List.of("unsupported_media_type", "too_large",
      "undecodable", "invalid_span", "backpressure", "ledger_error");
  /**
   * The OTLP signals the receivers take and drop unread (the service keeps traces only), shown at
   * 0 from the start.
   */
  static final List<String> DROPPED_SIGNALS = List.of("metrics", "logs");
  /** The outcomes of re-reading a changed price file, shown at 0 from the start. */
  static final List<String> RELOAD_RESULTS = List.of("applied", "refused");
  private static final double[] LATENCY_BUCKETS_SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
  };
  /** The client's defaults: no properties file or system property changes what is exposed. */
  private static final PrometheusProperties DEFAULTS = PrometheusProperties.builder().build();
  private static final PrometheusTextFormatWriter WRITER =
      PrometheusTextFormatWriter.builder().setIncludeCreatedTimestamps(false).build();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ZeroFirst<CostLabels> cost = new ZeroFirst<>();
  private final ZeroFirst<CostLabels> reversed = new ZeroFirst<>();
  private final ZeroFirst<TokenLabels> tokens = new ZeroFirst<>();
  private final ZeroFirst<String> unpriced = new ZeroFirst<>();
  private final ZeroFirst<StaleLabels> stalePriced = new ZeroFirst<>();
  /** The families above as one scrape shows them (see {@link #scrape()}). */
  private Map<CostLabels, BigDecimal> costShown = Map.of();
  private Map<CostLabels, BigDecimal> reversedShown = Map.of();
  private Map<TokenLabels, BigDecimal> tokensShown = Map.of();
  private Map<String, BigDecimal> unpricedShown = Map.of();
  private Map<StaleLabels, BigDecimal> stalePricedShown = Map.of();
  private final Counter received;
  private final Counter duplicates;
  private final Counter rejected;
  private final Counter tracesClosed;
  private final Counter forwarded;
  private final Counter forwardDropped;
  private final Counter otlpDropped;
  private final Counter pricesReloads;
  private final Histogram ledgerWrite;
  private volatile LongSupplier tracesOpen = () -> 0;

  public Metrics() {
    registry.register(() -> family("agentmeter_cost",
        "Cost of billed LLM, embedding and tool spans, in the reporting currency: everything"
            + " added, including what later rollups took back (agentmeter_cost_reversed_total).",
        costShown, Metrics::costLabels));
    registry.register(() -> family("agentmeter_cost_reversed",
        "Cost taken back from a label set by a rollup that replaced an earlier one (a late span"
            + " moving a shared cost, a reprice). The ledger holds agentmeter_cost_total minus this.",
        reversedShown, Metrics::costLabels));
    registry.register(() -> family("agentmeter_tokens", "Tokens of billed spans, by kind.",
        tokensShown, l -> Labels.of("agent", l.agent(), "model", l.model(), "provider",
            l.provider(), "client", l.client(), "kind", l.kind())));
    registry.register(() -> family("agentmeter_unpriced_spans",
        "Billable spans that could not be priced (unknown model, bad usage), by model.",
        unpricedShown, model -> Labels.of("model", model)));
    registry.register(() -> family("agentmeter_spans_stale_priced",
        "Priced spans whose price may be stale, by model and why: retired (after the model's"
            + " retirement, at its last price), pattern (its entry matched only by a pattern: the"
            + " price may be another model's), old (figures read longer ago than --max-price-age,"
            + " or undated). A span is counted under each reason that applies.",
        stalePricedShown, l -> Labels.of("model", l.model(), "why", l.why())));
    received = counter("agentmeter_spans_received_total", "Spans accepted and stored.");
    duplicates = counter("agentmeter_spans_duplicate_total",
        "Spans received again (same ids and content) and skipped.");
    rejected = counter("agentmeter_spans_rejected_total",
        "Spans or requests rejected, by reason.", "reason");
    REJECT_REASONS.forEach(rejected::labelValues);
    GaugeWithCallback.builder(DEFAULTS)
        .name("agentmeter_traces_open")
        .help("Traces being assembled.")
        .callback(callback -> callback.call(tracesOpen.getAsLong()))
        .register(registry);
    tracesClosed = counter("agentmeter_traces_closed_total", "Trace rollups stored.");
    forwarded = counter("agentmeter_forward_spans_total", "Spans forwarded.");
    forwardDropped = counter("agentmeter_forward_dropped_spans_total",
        "Spans the forwarder gave up on (backend down past the retry queue).");
    otlpDropped = counter("agentmeter_otlp_dropped_requests_total",
        "OTLP export requests of other signals than traces, accepted and dropped unread, by signal.",
        "signal");
    DROPPED_SIGNALS.forEach(otlpDropped::labelValues);
    pricesReloads = counter("agentmeter_prices_reloads_total",
        "Changes of the --prices file seen while serving, by result: applied (rollups are priced"
            + " with it from then on) or refused (unreadable or with issues; the prices in force"
            + " stay).", "result");
    RELOAD_RESULTS.forEach(pricesReloads::labelValues);
    ledgerWrite = Histogram.builder(DEFAULTS)
        .name("agentmeter_ledger_write_seconds")
        .help("Time to store a group of received spans durably.")
        .classicOnly()
        .classicUpperBounds(LATENCY_BUCKETS_SECONDS)
        .withoutExemplars()
        .register(registry);
  }

  private Counter counter(String name, String help, String... labels) {
    return Counter.builder(DEFAULTS)
        .name(name)
        .help(help)
        .labelNames(labels)
        .withoutExemplars()
        .register(registry);
  }

  /** Runs {@code updates} so that no scrape sees part of them (a cost and its reversal). */
  public synchronized void together(Runnable updates) {
    updates.run();
  }

  /** Adds {@code amount} (positive) exactly to the cost of {@code labels}. */
  public void addCost(CostLabels labels, BigDecimal amount) {
    cost.add(labels, amount);
  }

  /** Adds {@code amount} (positive) exactly to the cost taken back from {@code labels}. */
  public void addReversed(CostLabels labels, BigDecimal amount) {
    reversed.add(labels, amount);
  }

  public void addTokens(TokenLabels labels, long count) {
    tokens.add(labels, BigDecimal.valueOf(count));
  }

  public void unpriced(String model, long spans) {
    unpriced.add(model, BigDecimal.valueOf(spans));
  }

  /**
   * Starts the money and token counters from what the store holds, so that they continue where
   * the last process left them instead of starting over (which Prometheus reads as a reset, or as
   * series appearing with their whole amount).
   */
  public void restore(CounterTotals totals) {
    Set<CostLabels> labelSets = new HashSet<>(totals.cost().keySet());
    labelSets.addAll(totals.reversed().keySet());
    for (CostLabels labels : labelSets) {
      BigDecimal taken = totals.reversed().getOrDefault(labels, BigDecimal.ZERO);
      // everything ever added: what is stored plus what was taken back
      cost.restore(labels, totals.cost().getOrDefault(labels, BigDecimal.ZERO).add(taken));
      reversed.restore(labels, taken);
    }
    totals.tokens().forEach((labels, count) -> tokens.restore(labels, BigDecimal.valueOf(count)));
    totals.unpriced().forEach((model, count) -> unpriced.restore(model, BigDecimal.valueOf(count)));
  }

  /** Labels of a stale-priced span sample; {@code why} is {@code retired}, {@code pattern} or {@code old}. */
  public record StaleLabels(String model, String why) {}

  /** Counts {@code spans} priced spans of {@code labels} whose price may be stale. */
  public void stalePriced(StaleLabels labels, long spans) {
    stalePriced.add(labels, BigDecimal.valueOf(spans));
  }

  public void received(long spans) {
    received.inc(spans);
  }

  public void duplicates(long spans) {
    duplicates.inc(spans);
  }

  /** Counts {@code spans} rejected for {@code reason}; 0 still shows the reason's series. */
  public void rejected(String reason, long spans) {
    rejected.labelValues(reason).inc(spans);
  }

  public void traceClosed() {
    tracesClosed.inc();
  }

  public void forwarded(long spans) {
    forwarded.inc(spans);
  }

  public void forwardDropped(long spans) {
    forwardDropped.inc(spans);
  }

  /** Counts an OTLP export request of {@code signal} ({@code metrics}, {@code logs}) dropped. */
  public void otlpDropped(String signal) {
    otlpDropped.labelValues(signal).inc();
  }

  /** Counts a changed price file {@code applied} or {@code refused}. */
  public void pricesReload(String result) {
    pricesReloads.labelValues(result).inc();
  }

  public void ledgerWrite(long nanos) {
    ledgerWrite.observe(nanos / 1e9);
  }

  public void tracesOpen(LongSupplier supplier) {
    this.tracesOpen = supplier;
  }

  /** Spans forwarded so far. */
  public long forwardedCount() {
    return forwarded.getLongValue();
  }

  /** Spans dropped by the forwarder so far. */
  public long forwardDroppedCount() {
    return forwardDropped.getLongValue();
  }

  /** The exact cost counted for each label set, everything added (a copy). */
  public Map<CostLabels, BigDecimal> costs() {
    return cost.totals();
  }

  /** The exact cost taken back from each label set (a copy). */
  public Map<CostLabels, BigDecimal> reversedCosts() {
    return reversed.totals();
  }

  /**
   * Everything, in the Prometheus text exposition format 0.0.4. A money, token or unpriced series
   * new since the last scrape is shown at 0, its amount from the next one; each cost series comes
   * with its {@code agentmeter_cost_reversed_total} twin (at 0 until something is taken back), so
   * that the two subtract label set by label set.
   */
  public synchronized String scrape() {
    Map<CostLabels, BigDecimal> costNow = cost.scrape();
    costNow.keySet().forEach(reversed::show);
    costShown = costNow;
    reversedShown = reversed.scrape();
    tokensShown = tokens.scrape();
    unpricedShown = unpriced.scrape();
    stalePricedShown = stalePriced.scrape();
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      WRITER.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The media type of {@link #scrape()}. */
  public static String contentType() {
    return WRITER.getContentType();
  }

  private static Labels costLabels(CostLabels l) {
    return Labels.of("agent", l.agent(), "model", l.model(), "provider", l.provider(), "client",
        l.client(), "currency", l.currency());
  }

  /** A counter family of exact sums, each turned into a double only here. */
  private static <K> MetricSnapshot family(String name, String help, Map<K, BigDecimal> values,
      Function<K, Labels> labels) {
    CounterSnapshot.Builder snapshot = CounterSnapshot.builder().name(name).help(help);
    values.forEach((key, value) -> snapshot.dataPoint(CounterDataPointSnapshot.builder()
        .labels(labels.apply(key))
        .value(value.doubleValue())
        .build()));
    return snapshot.build();
  }
}
