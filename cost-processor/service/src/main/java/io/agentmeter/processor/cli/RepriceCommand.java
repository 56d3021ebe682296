package io.agentmeter.processor.cli;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.IncomingSpan;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
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

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of option values.")
  Path config;

  @Option(names = "--ledger", paramLabel = "FILE|URL", defaultValue = "agentmeter-ledger.db",
      description = "SQLite file (default: ${DEFAULT-VALUE}) or a jdbc:postgresql: URL.")
  String ledger;

  @Option(names = "--prices", paramLabel = "FILE", description = "Price catalogue over the bundled one.")
  Path prices;

  @Option(names = "--dry-run", description = "Show the changes without storing them.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    CostEngine engine = Catalogs.engine(prices, spec.commandLine().getErr());
    int changed = 0;
    BigDecimal before = BigDecimal.ZERO;
    BigDecimal after = BigDecimal.ZERO;
    try (JdbcLedger l = JdbcLedger.open(ledger)) {
      RequestLog log = l.requestLog();
      CostStore store = l.costStore();
      List<String> traces = store.traceIds();
      Progress progress = new Progress(spec.commandLine().getErr(), "reprice", traces.size());
      int done = 0;
      for (String traceId : traces) {
        List<IncomingSpan> spans = StoredSpans.all(store, log, traceId);
        TraceRollup rollup = engine.newRollup();
        boolean root = false;
        for (IncomingSpan span : spans) {
          rollup.add(span.record());
          root |= span.record().isRoot();
        }
        RollupResult result = rollup.result();
        BigDecimal old = store.trace(traceId).map(TraceCost::total).orElse(BigDecimal.ZERO);
        before = before.add(old);
        after = after.add(result.total());
        if (old.compareTo(result.total()) != 0) {
          changed++;
          out.printf("%n%s  %s -> %s %s", traceId, old.toPlainString(),
              result.total().toPlainString(), result.currency());
          if (!dryRun) {
            store.write(List.of(new Rollup(traceId, result, spans, root)));
          }
        }
        progress.update(++done);
      }
      progress.finish(done);
      out.printf("%s%d of %d traces change; total %s -> %s%n", dryRun ? "dry run: " : "", changed,
          traces.size(), before.stripTrailingZeros().toPlainString(),
          after.stripTrailingZeros().toPlainString());
    }
    out.flush();
    return 0;
  }
}
