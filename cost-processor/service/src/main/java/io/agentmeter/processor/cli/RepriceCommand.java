package io.agentmeter.processor.cli;

import io.agentmeter.processor.Pipeline;
import picocli.CommandLine.Mixin;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code agentmeter reprice}. */
@Command(name = "reprice", mixinStandardHelpOptions = true,
    description = "Recompute every stored trace with a (new) catalogue; --dry-run only shows what would change.")
final class RepriceCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin LedgerOptions ledger = new LedgerOptions();

  @Mixin EngineOptions engine = new EngineOptions();

  @Option(names = "--dry-run", description = "Show the changes without storing them.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int changed = 0;
    BigDecimal before = BigDecimal.ZERO;
    BigDecimal after = BigDecimal.ZERO;
    try (Pipeline pipeline = LedgerOptions.open(engine.applyTo(ledger.builder()), false,
        LedgerOptions.existingLedger("reprice", "recomputes the traces of"))) {
      pipeline.flush(); // what a crash left pending is rolled up first, then priced again with it
      List<String> traces = pipeline.costStore().traceIds();
      Progress progress = new Progress(spec.commandLine().getErr(), "reprice", traces.size());
      int done = 0;
      for (String traceId : traces) {
        Optional<Pipeline.Repriced> repriced = pipeline.reprice(traceId, !dryRun);
        if (repriced.isPresent()) {
          Pipeline.Repriced r = repriced.get();
          before = before.add(r.before());
          after = after.add(r.after());
          if (r.changed()) {
            changed++;
            progress.clearLine(); // the bar on standard error, when both go to one terminal
            out.printf("%s  %s -> %s %s%n", traceId, r.before().toPlainString(),
                r.after().toPlainString(), r.currency());
            out.flush();
          }
        }
        progress.update(++done);
      }
      pipeline.flush();
      progress.finish(done);
      out.printf("%s%d of %d traces change; total %s -> %s%n", dryRun ? "dry run: " : "", changed,
          traces.size(), before.stripTrailingZeros().toPlainString(),
          after.stripTrailingZeros().toPlainString());
    }
    out.flush();
    return 0;
  }
}
