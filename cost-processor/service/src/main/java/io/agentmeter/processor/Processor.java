package io.agentmeter.processor;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.CostEngineBuilder;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.fx.FxTable;
import io.agentmeter.cost.rollup.AllocationRule;
import io.agentmeter.processor.api.ApiServer;
import io.agentmeter.processor.api.ApiServer.ApiToken;
import io.agentmeter.processor.http.HttpLimits;
import io.agentmeter.processor.ingest.Ingestor;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.receive.ExportHandler;
import io.agentmeter.processor.receive.GrpcReceiver;
import io.agentmeter.processor.receive.HttpReceiver;
import io.agentmeter.processor.window.TraceWindow;
import io.agentmeter.processor.store.CostStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The cost processor service: OTLP in (gRPC and HTTP), every span stored durably before it is
 * acknowledged, traces rolled up without double counting, costed spans forwarded, and the query API
 * and metrics served. {@link #builder()} is the front door; {@link #close()} stops it, rolling up
 * what is open.
 */
public final class Processor implements AutoCloseable {

  private final Pipeline pipeline;
  private final Ingestor ingestor;
  private final HttpReceiver http;
  private final @Nullable GrpcReceiver grpc;
  private final ApiServer api;

  private Processor(Builder b) throws Exception {
    String host = b.bindHost != null ? b.bindHost : "0.0.0.0";
    // Without a token the API is open, so it only listens on loopback.
    String apiHost = b.apiTokens.isEmpty() ? "127.0.0.1" : host;
    InetSocketAddress httpAddress = new InetSocketAddress(host, b.otlpHttpPort);
    InetSocketAddress grpcAddress =
        b.otlpGrpcPort < 0 ? null : new InetSocketAddress(host, b.otlpGrpcPort);
    InetSocketAddress apiAddress = new InetSocketAddress(apiHost, b.apiPort);
    // before the ledger is opened: a taken port must not leave a new ledger behind
    checkPorts(httpAddress, grpcAddress, apiAddress);
    this.pipeline = b.open();
    if (b.prices != null && !b.pricesPoll.isZero() && !b.pricesPoll.isNegative()) {
      pipeline.watchPrices(b.prices, b.pricesPoll);
    }
    Metrics metrics = pipeline.metrics();
    TraceWindow window = pipeline.window();
    List<AutoCloseable> started = new ArrayList<>();
    try {
      this.ingestor = started(started, new Ingestor(pipeline.requestLog(), metrics,
          b.queueCapacity, window::accept, window::awaitCapacity));
      ExportHandler handler = new ExportHandler(ingestor, metrics, b.ackTimeout.toMillis(),
          pipeline.forwarding());
      this.http = started(started, listen(PortUnavailableException.Listener.OTLP_HTTP,
          httpAddress, () -> new HttpReceiver(httpAddress, handler, metrics, b.maxBodyBytes, 16,
              b.httpLimits)));
      this.grpc = grpcAddress == null ? null
          : started(started, listen(PortUnavailableException.Listener.OTLP_GRPC, grpcAddress,
              () -> new GrpcReceiver(grpcAddress, handler, metrics, b.maxBodyBytes, 16)));
      this.api = listen(PortUnavailableException.Listener.API, apiAddress,
          () -> new ApiServer(apiAddress, pipeline.costStore(), metrics, b.apiTokens,
              pipeline.engine().currency(), b.httpLimits.withMaxConnections(64),
              pipeline::ledgerProblem));
    } catch (Exception | Error e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      pipeline.close();
      throw e;
    }
  }

  private static <T extends AutoCloseable> T started(List<AutoCloseable> started, T stage) {
    started.add(stage);
    return stage;
  }

  /** A listener that binds its port as it is made. */
  private interface Bound<T> {
    T bind() throws IOException;
  }

  /** Makes a listener, a port it cannot have told as a {@link PortUnavailableException}. */
  private static <T> T listen(PortUnavailableException.Listener listener,
      InetSocketAddress address, Bound<T> bound) throws IOException {
    try {
      return bound.bind();
    } catch (IOException e) {
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof java.net.BindException)) {
        cause = cause.getCause();
      }
      if (cause instanceof java.net.BindException) {
        throw new PortUnavailableException(listener, address, cause.getMessage(), false);
      }
      throw e;
    }
  }

  /**
   * Binds every port the processor will listen on, all at once (so two listeners given the same
   * port are found too), and lets them go; a fixed port that cannot be had is refused here, before
   * the ledger is opened or created. A port taken in the moment between this and the listener's
   * own bind is refused by that bind.
   */
  private static void checkPorts(InetSocketAddress http, @Nullable InetSocketAddress grpc,
      InetSocketAddress api) throws IOException {
    List<ServerSocketChannel> held = new ArrayList<>();
    try {
      hold(held, PortUnavailableException.Listener.OTLP_HTTP, http);
      if (grpc != null) {
        hold(held, PortUnavailableException.Listener.OTLP_GRPC, grpc);
      }
      hold(held, PortUnavailableException.Listener.API, api);
    } finally {
      for (ServerSocketChannel channel : held) {
        channel.close();
      }
    }
  }

  private static void hold(List<ServerSocketChannel> held,
      PortUnavailableException.Listener listener, InetSocketAddress address) throws IOException {
    if (address.getPort() == 0) {
      return; // any free port: nothing to check
    }
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.bind(address);
      held.add(channel);
    } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException e) {
      channel.close();
      String reason = e instanceof UnresolvedAddressException ? "the host name does not resolve"
          : e.getMessage() != null ? e.getMessage() : e.toString();
      throw new PortUnavailableException(listener, address, reason, true);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link Processor}; every one has a default. */
  public static final class Builder {
    @Nullable Path prices;
    String ledger = "agentmeter-ledger.db";
    private int otlpGrpcPort = 4317;
    private int otlpHttpPort = 4318;
    private int apiPort = 8790;
    private @Nullable String bindHost;
    @Nullable String forward;
    Duration idleTimeout = Duration.ofSeconds(30);
    Duration grace = Duration.ofSeconds(2);
    private final List<ApiToken> apiTokens = new ArrayList<>();
    boolean writeGenAiUsageCost;
    private int maxBodyBytes = 16 * 1024 * 1024;
    private int queueCapacity = 1_024;
    int maxOpenTraces = 50_000;
    int maxOpenSpans = 100_000;
    boolean recoverPending = true;
    boolean readOnly;
    boolean createLedger = true;
    private Duration ackTimeout = Duration.ofSeconds(5);
    private String currency = CostEngineBuilder.DEFAULT_CURRENCY;
    private @Nullable Path fxTable;
    private AllocationRule sharedAllocation = AllocationRule.EVEN;
    private HttpLimits httpLimits = HttpLimits.DEFAULTS;
    Duration pricesPoll = Duration.ofSeconds(1);
    long maxPriceAgeDays = io.agentmeter.processor.metrics.RollupMetrics.DEFAULT_MAX_PRICE_AGE_DAYS;

    private Builder() {}

    /** A price file layered over the bundled catalogue (AgentMeter or LiteLLM format). */
    public Builder setPrices(@Nullable Path prices) {
      this.prices = prices;
      return this;
    }

    /**
     * How often a started processor looks at its price file for changes (default 1 s; zero never):
     * a changed file that loads without an issue prices new rollups from then on, one with issues
     * is refused and the prices in force stay.
     */
    public Builder setPricesPoll(Duration every) {
      this.pricesPoll = every;
      return this;
    }

    /**
     * How many days old a price's figures (its as-of date) may be before the spans it prices are
     * counted in {@code agentmeter_spans_stale_priced_total{why="old"}} (default 90).
     */
    public Builder setMaxPriceAge(long days) {
      this.maxPriceAgeDays = days;
      return this;
    }

    /** A SQLite file path, or a {@code jdbc:postgresql:} URL. */
    public Builder setLedger(String ledger) {
      this.ledger = ledger;
      return this;
    }

    /** 0 picks a free port; negative disables gRPC. */
    public Builder setOtlpGrpcPort(int port) {
      this.otlpGrpcPort = port;
      return this;
    }

    public Builder setOtlpHttpPort(int port) {
      this.otlpHttpPort = port;
      return this;
    }

    public Builder setApiPort(int port) {
      this.apiPort = port;
      return this;
    }

    /** The address the OTLP receivers listen on (default all interfaces). */
    public Builder setBindHost(@Nullable String host) {
      this.bindHost = host;
      return this;
    }

    /** An OTLP/HTTP endpoint to send costed spans to. */
    public Builder setForward(@Nullable String endpoint) {
      this.forward = endpoint;
      return this;
    }

    public Builder setTraceIdleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    public Builder setTraceGrace(Duration grace) {
      this.grace = grace;
      return this;
    }

    public Builder addApiToken(ApiToken token) {
      this.apiTokens.add(token);
      return this;
    }

    public Builder setWriteGenAiUsageCost(boolean write) {
      this.writeGenAiUsageCost = write;
      return this;
    }

    public Builder setMaxBodyBytes(int bytes) {
      this.maxBodyBytes = bytes;
      return this;
    }

    public Builder setQueueCapacity(int batches) {
      this.queueCapacity = batches;
      return this;
    }

    /**
     * The ISO 4217 currency costs are reported in: the ledger's amounts, the API and
     * {@code /metrics} (default USD). Prices in another currency are converted with
     * {@link #setFxTable}.
     */
    public Builder setCurrency(String currency) {
      this.currency = currency;
      return this;
    }

    /**
     * A CSV file of dated exchange rates ({@code date,from,to,rate}); a span is converted at the
     * latest rate dated on or before its start day. Read and checked at {@link #start()}.
     */
    public Builder setFxTable(@Nullable Path file) {
      this.fxTable = file;
      return this;
    }

    /**
     * How a shared resource's cost (billed once per trace) is split across the agents of a task
     * that used it (default EVEN).
     */
    public Builder setSharedAllocation(AllocationRule rule) {
      this.sharedAllocation = rule;
      return this;
    }

    /**
     * How long the OTLP/HTTP receiver and the API wait for a request's headers (from its first
     * byte) and its body (from its headers) before answering 408 and closing, and how long they
     * keep an idle connection (defaults: {@link HttpLimits#DEFAULTS}).
     */
    public Builder setHttpTimeouts(Duration headers, Duration body, Duration idle) {
      this.httpLimits = new HttpLimits(headers, body, idle, httpLimits.maxConnections());
      return this;
    }

    /** Opens the ledger, finishes traces a crash left pending, and starts listening. */
    /** How many traces may be open at once; past it the oldest is rolled up (default 50,000). */
    public Builder setMaxOpenTraces(int traces) {
      this.maxOpenTraces = traces;
      return this;
    }

    /**
     * How many spans open traces may hold (default 100,000): past three quarters of it the oldest
     * traces idle for a grace are rolled up, incomplete (a later span amends them), and at it
     * ingest waits for rollups to be stored.
     */
    public Builder setMaxOpenSpans(int spans) {
      this.maxOpenSpans = spans;
      return this;
    }

    /**
     * Whether {@link #open()} rolls up what a crash left pending (default yes); a command that only
     * reads the ledger says no.
     */
    public Builder setRecoverPending(boolean recover) {
      this.recoverPending = recover;
      return this;
    }

    /**
     * Whether {@link #open()} opens the ledger only to read it (default no): beside a service that
     * writes it, which holds a SQLite ledger for itself. Nothing is rolled up or stored.
     */
    public Builder setReadOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Whether {@link #open()} creates the ledger when there is none (default yes). A command that
     * works on an existing ledger says no, so that a mistyped location is refused with a
     * {@link MissingLedgerException} rather than becoming a new, empty ledger.
     */
    public Builder setCreateLedger(boolean create) {
      this.createLedger = create;
      return this;
    }

    /**
     * How long a receiver waits for the ledger to confirm a request before answering 503 with a
     * retry delay (default 5 s, below the OTLP exporters' 10 s timeout): a sender is never held
     * past its own timeout by a full disk, a stalled one, or assembly that is behind.
     */
    public Builder setAckTimeout(Duration timeout) {
      this.ackTimeout = timeout;
      return this;
    }

    /** The bundled catalogue with the user's price file on top, its issues told to {@code issues}. */
    public PriceCatalog catalog(java.util.function.Consumer<String> issues) throws IOException {
      PriceCatalog catalog = PriceCatalog.defaults();
      if (prices == null) {
        return catalog;
      }
      CatalogLoad load = CatalogLoader.load(prices, LocalDate.now());
      load.issues().forEach(issue -> issues.accept(prices + ": " + issue));
      return catalog.withLayerOnTop(load.layer());
    }

    /**
     * Opens the stages without the network: the ledger (created and migrated as needed), the
     * engine from these settings, the window, the coster and the listeners; rolls up what a crash
     * left pending unless told not to.
     */
    public Pipeline open() throws Exception {
      CatalogLoad load = null;
      String bundled = PriceCatalog.defaultContent();
      Pricing pricing = Pricing.bundled(bundled);
      if (prices != null) {
        String content = java.nio.file.Files.readString(prices);
        String name = prices.getFileName().toString();
        load = CatalogLoader.parse(content, name, LocalDate.now());
        pricing = Pricing.withFile(bundled, name, content);
      }
      FxTable fx = fxTable == null ? FxTable.empty() : FxTableFile.read(fxTable);
      PriceCatalog catalog = catalogOf(PriceCatalog.defaults(), load);
      CostEngine engine = engine(catalog, fx);
      FxTableFile.checkCovers(fx, fxTable, catalog, engine.currency());
      return new Pipeline(this, engine, load, pricing, kept -> {
        // the prices a stored rollup names: its bundled catalogue (this build's or another's)
        PriceCatalog base = kept.bundled().equals(bundled) ? PriceCatalog.defaults()
            : PriceCatalog.ofDefaults(kept.bundled());
        return engine(catalogOf(base, kept.content() == null ? null
            : CatalogLoader.parse(kept.content(), kept.name(), LocalDate.now())), fx);
      }, reload -> {
        PriceCatalog reloadedCatalog = catalogOf(PriceCatalog.defaults(), reload);
        CostEngine reloaded = engine(reloadedCatalog, fx);
        FxTableFile.checkCovers(fx, fxTable, reloadedCatalog, reloaded.currency());
        return reloaded;
      });
    }

    private static PriceCatalog catalogOf(PriceCatalog base, @Nullable CatalogLoad load) {
      return load == null ? base : base.withLayerOnTop(load.layer());
    }

    /** An engine of these settings pricing with {@code catalog}. */
    private CostEngine engine(PriceCatalog catalog, FxTable fx) {
      return CostEngine.builder().setCatalog(catalog).setFxTable(fx)
          .setReportingCurrency(currency).setAllocationRule(sharedAllocation).build();
    }

    /**
     * Opens the stages, finishes traces a crash left pending, and starts listening. Its fixed
     * ports are checked first: one it cannot have is a {@link PortUnavailableException}, before
     * the ledger is opened (or created).
     */
    public Processor start() throws Exception {
      return new Processor(this);
    }
  }

  public int otlpHttpPort() {
    return http.port();
  }

  public int otlpGrpcPort() {
    return grpc == null ? -1 : grpc.port();
  }

  public int apiPort() {
    return api.port();
  }

  /** The received requests, as stored. */
  public RequestLog requestLog() {
    return pipeline.requestLog();
  }

  public CostStore costStore() {
    return pipeline.costStore();
  }

  public Metrics metrics() {
    return pipeline.metrics();
  }

  /** The stages behind the receivers. */
  public Pipeline pipeline() {
    return pipeline;
  }

  /** The user's price file as loaded (entries and issues), or {@code null} without one. */
  public @Nullable CatalogLoad userCatalog() {
    return pipeline.userCatalog();
  }

  /** Traces found pending in the ledger at start (left by a crash). */
  public int recoveredTraces() {
    return pipeline.recoveredTraces();
  }

  /** Rolls up every open trace now. */
  public void flush() {
    pipeline.flush();
  }

  @Override
  public void close() {
    http.close();
    try {
      if (grpc != null) {
        grpc.close();
      }
      ingestor.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pipeline.close();
    api.close();
  }
}
