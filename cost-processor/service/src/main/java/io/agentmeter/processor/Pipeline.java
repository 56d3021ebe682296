package io.agentmeter.processor;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.coster.TraceCoster;
import io.agentmeter.processor.forward.CostForwarding;
import io.agentmeter.processor.forward.Forwarder;
import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.listen.Listeners;
import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.metrics.RollupMetrics;
import io.agentmeter.processor.model.Batch;
import io.agentmeter.processor.model.ClosedTrace;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.otlp.DecodeException;
import io.agentmeter.processor.otlp.SpanConverter;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.processor.window.Closer;
import io.agentmeter.processor.window.PendingRequests;
import io.agentmeter.processor.window.TraceWindow;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The processor's stages without its network: the ledger (request log and cost store), the cost
 * engine, the trace window, the coster and the listeners of stored rollups. {@link Processor} puts
 * receivers and the API in front of one; the CLI's {@code replay}, {@code reprice} and
 * {@code report} use one directly. Built only by {@link Processor.Builder#open()}, so every command
 * and the service wire the stages the same way from the same settings.
 */
public final class Pipeline implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Pipeline.class.getName());

  /** How often the pipeline looks for rollups a failed store left pending. */
  private static final Duration RETRY_EVERY = Duration.ofSeconds(5);

  private final JdbcLedger ledger;
  private final Metrics metrics;
  private final @Nullable Forwarder forwarder;
  private volatile @Nullable CatalogLoad userCatalog;
  private final Pricing pricing;
  private final Function<CatalogLoad, CostEngine> reloaded;
  private final Map<String, Optional<CostEngine>> engines = new ConcurrentHashMap<>();
  private volatile @Nullable PriceFileWatch pricesWatch;
  private final Closer closer;
  private final TraceWindow window;
  private final TraceCoster coster;
  private final int recovered;
  private final ScheduledExecutorService retry;
  private long notStoredSeen;

  Pipeline(Processor.Builder b, CostEngine engine, @Nullable CatalogLoad userCatalog,
      Pricing pricing, Function<Pricing, CostEngine> engineFor,
      Function<CatalogLoad, CostEngine> reloaded) throws Exception {
    this.userCatalog = userCatalog;
    this.pricing = pricing;
    this.reloaded = reloaded;
    this.metrics = new Metrics();
    if (!b.createLedger && !JdbcLedger.exists(b.ledger)) {
      throw new MissingLedgerException(JdbcLedger.describe(b.ledger),
          b.ledger.startsWith("jdbc:postgresql:"));
    }
    this.ledger = b.readOnly ? JdbcLedger.openReadOnly(b.ledger) : JdbcLedger.open(b.ledger);
    try {
      RequestLog log = ledger.requestLog();
      CostStore store = ledger.costStore();
      if (b.recoverPending && !b.readOnly) {
        // the counters go on from what the ledger holds (before recovered traces add to them)
        metrics.restore(store.counters());
      }
      if (!b.readOnly) {
        store.keepPricing(pricing);
      }
      engines.put(pricing.id(), Optional.of(engine));
      this.forwarder = b.forward == null ? null : new Forwarder(b.forward, metrics, Forwarder.Settings.DEFAULTS);
      // the trace window closes traces on the closer's thread; the coster rolls them up there and
      // stores them on its own thread, then tells the listeners
      List<RollupListener> listeners = new ArrayList<>();
      listeners.add(new RollupMetrics(metrics, java.time.Clock.systemDefaultZone(),
          b.maxPriceAgeDays));
      if (forwarder != null) {
        listeners.add(new CostForwarding(forwarder, metrics, b.writeGenAiUsageCost));
      }
      PendingRequests pending = new PendingRequests();
      this.coster = TraceCoster.builder(engine, log, store, pending)
          .setListener(Listeners.of(listeners))
          .setCounters(metrics::duplicates)
          .setPricing(pricing.id(), id -> engines.computeIfAbsent(id, key -> {
            try {
              return store.pricing(key).map(engineFor);
            } catch (StorageException | RuntimeException e) {
              LOG.log(Level.WARNING, "cannot load the prices " + key + " from the ledger", e);
              return Optional.empty();
            }
          }))
          .build();
      this.closer = new Closer();
      this.window = TraceWindow.builder(coster::cost, pending)
          .setCloser(closer)
          .setGrace(b.grace)
          .setIdleTimeout(b.idleTimeout)
          .setMaxOpenTraces(b.maxOpenTraces)
          .setMaxOpenSpans(b.maxOpenSpans)
          .build();
      metrics.tracesOpen(window::openTraces);
      closer.start(window);
      this.recovered = b.recoverPending && !b.readOnly ? window.recover(log) : 0;
      this.retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agentmeter-rollup-retry");
        t.setDaemon(true);
        return t;
      });
      if (b.recoverPending && !b.readOnly) {
        long every = RETRY_EVERY.toMillis();
        retry.scheduleWithFixedDelay(this::retryNotStored, every, every, TimeUnit.MILLISECONDS);
      }
    } catch (Exception | Error e) {
      ledger.close();
      throw e;
    }
  }

  public RequestLog requestLog() {
    return ledger.requestLog();
  }

  public CostStore costStore() {
    return ledger.costStore();
  }

  /** The engine new rollups are priced with (the one of the latest price file applied). */
  public CostEngine engine() {
    return coster.engine();
  }

  /**
   * Re-reads {@code prices} every {@code every} and, when it changed and loads without an issue,
   * prices new rollups with it (see {@link PriceFileWatch}); traces stored before keep the prices
   * they were stored with.
   */
  void watchPrices(java.nio.file.Path prices, Duration every) {
    pricesWatch = new PriceFileWatch(prices, pricing.bundled(), pricing.id(), this::applyPrices,
        metrics, java.time.Clock.systemDefaultZone(), every);
  }

  /** The id of the prices new rollups are priced with ({@link Pricing#id()}). */
  public String pricing() {
    String id = coster.pricing();
    return id == null ? pricing.id() : id;
  }

  /** Keeps {@code next} in the ledger, then prices new rollups with it. */
  private void applyPrices(Pricing next, CatalogLoad load) throws StorageException {
    CostEngine engine = reloaded.apply(load); // refuses prices the FX table cannot convert
    costStore().keepPricing(next);
    engines.put(next.id(), Optional.of(engine));
    userCatalog = load;
    coster.setPrices(next.id(), engine);
  }

  public Metrics metrics() {
    return metrics;
  }

  /** Where the ledger is, for people: the file, or the database URL without credentials. */
  public String description() {
    return ledger.description();
  }

  /**
   * Why the ledger cannot take writes or answer reads now (each check waits at most two seconds),
   * or empty.
   */
  public Optional<String> ledgerProblem() {
    return ledger.problem(java.time.Duration.ofSeconds(2));
  }

  /** The user's price file as loaded (entries and issues), or {@code null} without one. */
  public @Nullable CatalogLoad userCatalog() {
    return userCatalog;
  }

  /** Traces found pending in the ledger at start (left by a crash) and rolled up. */
  public int recoveredTraces() {
    return recovered;
  }

  /**
   * Rolls up again what a failed store left pending (a full disk, a lost database): once the
   * ledger takes writes again the costs appear without a restart. Runs after every store that
   * failed since the last run; reading every pending request is the price, paid only then.
   */
  private void retryNotStored() {
    long notStored = coster.notStored();
    if (notStored != notStoredSeen) {
      notStoredSeen = notStored;
      window.recover(requestLog());
    }
  }

  boolean forwarding() {
    return forwarder != null;
  }

  TraceWindow window() {
    return window;
  }

  /**
   * Stores one export request as a receiver would (durably, before returning) and adds its spans
   * to their open traces.
   *
   * @param body a serialized {@code ExportTraceServiceRequest}
   * @return its spans, and what was wrong with the rejected ones
   */
  public Batch replay(byte[] body) throws DecodeException, StorageException {
    Batch batch = SpanConverter.convert(body, forwarder != null);
    if (!batch.spans().isEmpty()) {
      window.accept(requestLog().append(List.of(new ReceivedRequest(body, batch.spans()))).get(0));
    }
    return batch;
  }

  /**
   * How a stored trace's total changes when the spans its stored rollup counted are priced again with this pipeline's
   * engine (its catalogue, currency and allocation rule); with {@code store}, the new rollup replaces
   * the stored one through the coster, as a late span's would, and the listeners are told.
   *
   * @return the stored and the new total, or empty for a trace not stored
   */
  public Optional<Repriced> reprice(String traceId, boolean store)
      throws StorageException {
    Optional<TraceCost> stored = costStore().trace(traceId);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    List<IncomingSpan> spans = StoredSpans.of(costStore(), requestLog(), traceId);
    TraceRollup rollup = engine().newRollup();
    for (IncomingSpan span : spans) {
      rollup.add(span.record());
    }
    Repriced result = new Repriced(traceId, stored.get().total(), rollup.result().total(),
        rollup.result().currency());
    // stored too when only the prices it names change, so that a late span later uses these
    if (store && (result.changed()
        || !pricing().equals(costStore().pricingOf(traceId).orElse(null)))) {
      coster.cost(List.of(new ClosedTrace(traceId, List.of(), List.of(), stored.get().complete(),
          false, true)));
    }
    return Optional.of(result);
  }

  /**
   * A trace priced again.
   *
   * @param traceId the trace
   * @param before its stored total
   * @param after its total with this pipeline's engine
   * @param currency the currency of {@code after}
   */
  public record Repriced(String traceId, BigDecimal before, BigDecimal after, String currency) {
    public boolean changed() {
      return before.compareTo(after) != 0;
    }
  }

  /** Rolls up every open trace now and waits until the rollups are stored. */
  public void flush() {
    window.flush();
    coster.awaitStored();
  }

  /** Rolls up what is open, stores it, stops the stages and closes the ledger. */
  @Override
  public void close() {
    retry.shutdownNow();
    PriceFileWatch watch = pricesWatch;
    if (watch != null) {
      watch.close();
    }
    try {
      closer.close();
      window.flush(); // on this thread: the closer has stopped
      coster.close();
      if (forwarder != null) {
        forwarder.close(); // drains within its bound, then counts what it could not send
      }
    } finally {
      ledger.close();
    }
  }
}
