package io.agentmeter.processor.cli;

import io.agentmeter.processor.Processor;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the ledger is: the options every command that opens it shares, applied to the one builder
 * they all go through ({@link Processor#builder()}).
 */
final class LedgerOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML file of option values, keyed by option name (otlp-http-port: 4318).")
  Path config;

  @Option(names = "--ledger", paramLabel = "FILE|URL", defaultValue = "agentmeter-ledger.db",
      description = "SQLite file (default: ${DEFAULT-VALUE}) or a jdbc:postgresql: URL.")
  String ledger;

  /** The builder with the ledger set; the command adds its own settings. */
  Processor.Builder builder() {
    return Processor.builder().setLedger(ledger);
  }
}
