package io.agentmeter.processor.cli;

import io.agentmeter.processor.PortUnavailableException;
import io.agentmeter.processor.Processor;
import io.agentmeter.processor.api.ApiServer.ApiToken;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code agentmeter serve}. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
      "Run the cost processor: receive OTLP traces, price and roll them up, store them in the"
          + " ledger, forward costed spans, and serve the query API and /metrics.",
      "Every option can also be set as the environment variable AGENTMETER_<OPTION> (e.g."
          + " AGENTMETER_OTLP_HTTP_PORT) or as a key in the --config YAML file; flags win."
    })
final class ServeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin LedgerOptions ledger = new LedgerOptions();

  @Mixin EngineOptions engine = new EngineOptions();

  @Option(names = "--otlp-grpc-port", defaultValue = "4317",
      description = "OTLP/gRPC port (default: ${DEFAULT-VALUE}; -1 disables).")
  int grpcPort;

  @Option(names = "--otlp-http-port", defaultValue = "4318",
      description = "OTLP/HTTP port for POST /v1/traces (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--api-port", defaultValue = "8790",
      description = "Query API and /metrics port (default: ${DEFAULT-VALUE}).")
  int apiPort;

  @Option(names = "--bind", paramLabel = "HOST", defaultValue = "0.0.0.0",
      description = "Address the OTLP receivers listen on (default: ${DEFAULT-VALUE}). The API"
          + " listens here too when a token is set, else on 127.0.0.1 only.")
  String bind;

  @Option(names = "--forward", paramLabel = "URL",
      description = "OTLP endpoint to send costed spans to: http://jaeger:4318 (OTLP/HTTP) or"
          + " grpc://tempo:4317 (OTLP/gRPC).")
  String forward;

  @Option(names = "--trace-idle-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "Roll a trace up when no span arrived for this long and its root never came"
          + " (default: ${DEFAULT-VALUE}; e.g. 500ms, 30s, 5m).")
  String idleTimeout;

  @Option(names = "--trace-grace", paramLabel = "DURATION", defaultValue = "2s",
      description = "Wait this long after a trace's root span before rolling it up"
          + " (default: ${DEFAULT-VALUE}).")
  String grace;

  @Option(names = "--api-token", paramLabel = "TOKEN[=CLIENT]", split = ",",
      description = "Require 'Authorization: Bearer TOKEN' on the API; TOKEN=CLIENT scopes a"
          + " token to one client's costs. Repeatable or comma-separated.")
  List<String> apiTokens;

  @Option(names = "--write-gen-ai-usage-cost", defaultValue = "false",
      description = "Also write gen_ai.usage.cost on forwarded priced spans that lack it.")
  boolean writeGenAiCost;

  @Option(names = "--ack-timeout", paramLabel = "DURATION", defaultValue = "5s",
      description = "Longest a sender waits for its request to be stored before it is answered 503"
          + " with a retry delay (default: ${DEFAULT-VALUE}; keep it below the senders' export"
          + " timeout, 10 s in the OpenTelemetry SDKs).")
  String ackTimeout;

  @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "16777216",
      description = "Largest OTLP body accepted, compressed or inflated (default: ${DEFAULT-VALUE}).")
  int maxBody;

  @picocli.CommandLine.Mixin PriceAge priceAge = new PriceAge();

  @Override
  public Integer call() throws Exception {
    Processor processor = start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      processor.close();
      stopped.countDown();
    }, "agentmeter-shutdown"));
    banner(processor, !tokens().isEmpty(), System.out);
    System.out.println("agentmeter is running; Ctrl-C to stop");
    System.out.flush();
    stopped.await();
    return 0;
  }

  /** Starts the processor these options describe. */
  Processor start() throws Exception {
    Processor.Builder builder = engine.applyTo(ledger.builder())
        .setOtlpGrpcPort(grpcPort)
        .setOtlpHttpPort(httpPort)
        .setApiPort(apiPort)
        .setBindHost(bind)
        .setForward(forward == null || forward.isBlank() ? null : forward)
        .setTraceIdleTimeout(Durations.parse(idleTimeout, "--trace-idle-timeout"))
        .setTraceGrace(Durations.parse(grace, "--trace-grace"))
        .setWriteGenAiUsageCost(writeGenAiCost)
        .setMaxBodyBytes(maxBody)
        .setAckTimeout(Durations.parse(ackTimeout, "--ack-timeout"));
    if (priceAge.maxAge != null) {
      builder.setMaxPriceAge(priceAge.days());
    }
    tokens().forEach(builder::addApiToken);
    try {
      return builder.start();
    } catch (PortUnavailableException e) {
      String option = switch (e.listener()) {
        case OTLP_GRPC -> "--otlp-grpc-port";
        case OTLP_HTTP -> "--otlp-http-port";
        case API -> "--api-port";
      };
      String advice = e.reason().contains("in use")
          ? "Stop what listens there, or choose another port with " + option
          : "Check --bind (an address of this host) or choose another port with " + option;
      throw new IllegalArgumentException(e.listener() + " cannot listen on " + e.address()
          + ", the port of " + option + " (" + origin(option) + "): " + e.reason() + ". "
          + advice + "; nothing was started" + (e.beforeLedger()
              ? ", and no ledger was opened or created" : ""), e);
    }
  }

  /** Where an option's value came from, for people. */
  private String origin(String option) {
    if (spec != null) {
      if (spec.commandLine().getParseResult() != null
          && spec.commandLine().getParseResult().hasMatchedOption(option)) {
        return "given on the command line";
      }
      if (spec.commandLine().getDefaultValueProvider() instanceof Settings settings) {
        String from = settings.origin(spec.findOption(option));
        if (from != null) {
          return from;
        }
      }
    }
    return "its default";
  }

  /**
   * The tokens given, blank ones left out: {@code --api-token=} (empty) sets none, so the API
   * stays open and on loopback.
   */
  List<ApiToken> tokens() {
    List<ApiToken> tokens = new ArrayList<>();
    if (apiTokens != null) {
      for (String token : apiTokens) {
        if (!token.isBlank()) {
          tokens.add(ApiToken.parse(token.trim()));
        }
      }
    }
    return tokens;
  }

  /** Models priced in the last day from a retired entry or by a pattern only, if any. */
  private void seenInTheLastDay(Processor processor, PrintStream out) {
    java.time.Instant now = java.time.Instant.now();
    List<String> lines;
    try {
      lines = PriceAge.seenLines(processor.pipeline().engine().catalog(),
          processor.costStore().costs(new io.agentmeter.processor.model.CostQuery(
              io.agentmeter.processor.model.CostQuery.GroupBy.MODEL,
              now.minus(java.time.Duration.ofDays(1)), now, null, null, null, null)),
          java.time.LocalDate.now());
    } catch (io.agentmeter.processor.model.StorageException e) {
      return; // the banner is not worth failing a start over
    }
    if (!lines.isEmpty()) {
      out.println("seen:    in the last day, models priced from a retired entry or a pattern only:");
      lines.forEach(out::println);
    }
  }

  /**
   * What the service prints when it is up; the API's address is the one it listens on: {@code
   * --bind} only when a token was set ({@link Processor} puts a tokenless API on loopback).
   */
  void banner(Processor processor, boolean anyToken, PrintStream out) {
    if (processor.userCatalog() != null) {
      out.println("prices:  " + engine.prices + " (" + processor.userCatalog().entriesRead()
          + " entries, " + processor.userCatalog().issues().size() + " unusable) over the bundled catalogue");
    }
    String stale = priceAge.maxAge == null ? null
        : priceAge.bannerLine(processor.pipeline().engine().catalog(), java.time.LocalDate.now());
    if (stale != null) {
      out.println(stale);
    }
    seenInTheLastDay(processor, out);
    out.println("ledger:  " + processor.costStore().description());
    out.println("costs:   " + engine.costs());
    if (processor.recoveredTraces() > 0) {
      out.println("recovered " + processor.recoveredTraces() + " traces left open by a previous run");
    }
    String grpc = processor.otlpGrpcPort() < 0 ? "grpc off (--otlp-grpc-port " + grpcPort + ")"
        : "grpc " + bind + ":" + processor.otlpGrpcPort();
    out.println("OTLP:    " + grpc + ", http " + bind + ":" + processor.otlpHttpPort()
        + "/v1/traces (metrics and logs are accepted and dropped)");
    out.println("API:     http://" + (anyToken ? bind : "127.0.0.1")
        + ":" + processor.apiPort() + "/api/v1/costs, /metrics");
    if (forward != null && !forward.isBlank()) {
      out.println("forward: " + forward);
    }
  }
}
