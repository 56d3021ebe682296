package io.agentmeter.processor;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.processor.api.ApiServer;
import io.agentmeter.processor.api.ApiServer.ApiToken;
import io.agentmeter.processor.coster.TraceCoster;
import io.agentmeter.processor.forward.CostForwarding;
import io.agentmeter.processor.forward.Forwarder;
import io.agentmeter.processor.ingest.Ingestor;
import io.agentmeter.processor.ledger.Ledger;
import io.agentmeter.processor.listen.Listeners;
import io.agentmeter.processor.listen.RollupListener;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.metrics.RollupMetrics;
import io.agentmeter.processor.receive.ExportHandler;
import io.agentmeter.processor.receive.GrpcReceiver;
import io.agentmeter.processor.receive.HttpReceiver;
import io.agentmeter.processor.window.Closer;
import io.agentmeter.processor.window.PendingRequests;
import io.agentmeter.processor.window.TraceWindow;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The cost processor service: OTLP in (gRPC and HTTP), every span stored durably before it is
 * acknowledged, traces rolled up without double counting, costed spans forwarded, and the query API
 * and metrics served. {@link #builder()} is the front door; {@link #close()} stops it, rolling up
 * what is open.
 */
public final class Processor implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Processor.class.getName());

  private final Ledger ledger;
  private final Metrics metrics;
  private final Ingestor ingestor;
  private final Closer closer;
  private final TraceWindow window;
  private final TraceCoster coster;
  private final @Nullable Forwarder forwarder;
  private final HttpReceiver http;
  private final @Nullable GrpcReceiver grpc;
  private final ApiServer api;
  private final CatalogLoad userCatalog;
  private final int recovered;

  private Processor(Builder b) throws Exception {
    PriceCatalog catalog = PriceCatalog.defaults();
    CatalogLoad load = null;
    if (b.prices != null) {
      load = CatalogLoader.load(b.prices, LocalDate.now());
      catalog = catalog.withLayerOnTop(load.layer());
    }
    this.userCatalog = load;
    CostEngine engine = CostEngine.builder().setCatalog(catalog).build();
    this.metrics = new Metrics();
    this.ledger = Ledger.open(b.ledger);
    this.forwarder = b.forward == null ? null : new Forwarder(b.forward, metrics, Forwarder.Settings.DEFAULTS);
    // the trace window closes traces on the closer's thread; the coster rolls them up there and
    // stores them on its own thread, then tells the listeners
    List<RollupListener> listeners = new ArrayList<>();
    listeners.add(new RollupMetrics(metrics));
    if (forwarder != null) {
      listeners.add(new CostForwarding(forwarder, metrics, b.writeGenAiUsageCost));
    }
    PendingRequests pending = new PendingRequests();
    this.coster = TraceCoster.builder(engine, ledger, ledger, pending)
        .setListener(Listeners.of(listeners))
        .setCounters(metrics::duplicates)
        .build();
    this.closer = new Closer();
    this.window = TraceWindow.builder(coster::cost, pending)
        .setCloser(closer)
        .setGrace(b.grace)
        .setIdleTimeout(b.idleTimeout)
        .build();
    metrics.tracesOpen(window::openTraces);
    closer.start(window);
    this.recovered = window.recover(ledger);
    this.ingestor = new Ingestor(ledger, metrics, b.queueCapacity, window::accept,
        window::awaitCapacity);
    ExportHandler handler = new ExportHandler(ingestor, metrics, 30_000, forwarder != null);
    String host = b.bindHost != null ? b.bindHost : "0.0.0.0";
    this.http = new HttpReceiver(new InetSocketAddress(host, b.otlpHttpPort), handler, metrics,
        b.maxBodyBytes, 16);
    this.grpc = b.otlpGrpcPort < 0 ? null
        : new GrpcReceiver(new InetSocketAddress(host, b.otlpGrpcPort), handler, metrics,
            b.maxBodyBytes, 16);
    // Without a token the API is open, so it only listens on loopback.
    String apiHost = b.apiTokens.isEmpty() ? "127.0.0.1" : host;
    this.api = new ApiServer(new InetSocketAddress(apiHost, b.apiPort), ledger, metrics,
        b.apiTokens, engine.currency());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link Processor}; every one has a default. */
  public static final class Builder {
    private @Nullable Path prices;
    private String ledger = "agentmeter-ledger.db";
    private int otlpGrpcPort = 4317;
    private int otlpHttpPort = 4318;
    private int apiPort = 8790;
    private @Nullable String bindHost;
    private @Nullable String forward;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration grace = Duration.ofSeconds(2);
    private final List<ApiToken> apiTokens = new ArrayList<>();
    private boolean writeGenAiUsageCost;
    private int maxBodyBytes = 16 * 1024 * 1024;
    private int queueCapacity = 1_024;

    private Builder() {}

    /** A price file layered over the bundled catalogue (AgentMeter or LiteLLM format). */
    public Builder setPrices(@Nullable Path prices) {
      this.prices = prices;
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

    /** Opens the ledger, finishes traces a crash left pending, and starts listening. */
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

  public Ledger ledger() {
    return ledger;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** The user's price file as loaded (entries and issues), or {@code null} without one. */
  public @Nullable CatalogLoad userCatalog() {
    return userCatalog;
  }

  /** Traces found pending in the ledger at start (left by a crash). */
  public int recoveredTraces() {
    return recovered;
  }

  /** Rolls up every open trace now. */
  public void flush() {
    window.flush();
    coster.awaitStored();
  }

  @Override
  public void close() {
    http.close();
    try {
      if (grpc != null) {
        grpc.close();
      }
      ingestor.close();
      closer.close();
      window.flush(); // on this thread: the closer has stopped
      coster.close();
      if (forwarder != null) {
        forwarder.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    api.close();
    ledger.close();
  }

}
