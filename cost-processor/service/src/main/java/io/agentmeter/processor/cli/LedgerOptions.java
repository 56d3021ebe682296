package io.agentmeter.processor.cli;

import io.agentmeter.processor.MissingLedgerException;
import io.agentmeter.processor.Pipeline;
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

  /**
   * Opens {@code builder}'s stages on the ledger, which must exist unless {@code create}: a
   * mistyped {@code --ledger} is refused, not made a new, empty ledger.
   *
   * @param advice what to do instead, said after where no ledger was found
   */
  static Pipeline open(Processor.Builder builder, boolean create, String advice) throws Exception {
    try {
      return builder.setCreateLedger(create).open();
    } catch (MissingLedgerException e) {
      throw new IllegalArgumentException(e.getMessage() + ". " + advice, e);
    }
  }

  /** The advice for a command that works on the ledger {@code serve} writes. */
  static String existingLedger(String command, String does) {
    return command + " " + does + " the ledger serve writes: give its file or jdbc:postgresql: URL"
        + " with --ledger (default: agentmeter-ledger.db in the working directory)";
  }
}
