package io.agentmeter.processor.cli;

import io.agentmeter.processor.Processor;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.ModelEntry;
import io.agentmeter.cost.catalog.ModelKind;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.catalog.PricePeriod;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code agentmeter prices}. */
@Command(name = "prices", mixinStandardHelpOptions = true,
    description = "Look a model up in the catalogue, validate a catalogue file, or diff one with"
        + " the catalogue.",
    subcommands = {PricesCommand.Lookup.class, PricesCommand.Validate.class,
        PricesDiffCommand.class})
final class PricesCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "lookup", mixinStandardHelpOptions = true,
      description = "Show the entry and the prices in force for a model name as spans report it"
          + " (gen_ai.response.model or gen_ai.request.model), or else for a tool priced per call"
          + " (kind: tool, matched on gen_ai.tool.name).")
  static final class Lookup implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "MODEL|TOOL") String model;

    @Option(names = "--provider", description = "gen_ai.provider.name, to prefer that provider's entry.")
    String provider;

    @Option(names = "--prices", paramLabel = "FILE", description = "Price catalogue over the bundled one.")
    Path prices;

    @Option(names = "--date", description = "The day whose prices to show (default: today).")
    LocalDate date;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PriceCatalog catalog = Processor.builder().setPrices(prices)
          .catalog(spec.commandLine().getErr()::println);
      PriceCatalog.Match match = catalog.findModel(model, provider);
      ModelEntry entry = match.entry();
      String how = match.how();
      if (entry == null) {
        // a tool span is priced by its gen_ai.tool.name, looked up among the kind: tool entries
        entry = catalog.findTool(model);
        how = "tool name (gen_ai.tool.name)";
      }
      if (entry == null) {
        out.println("'" + model + "' is not in the catalogue, as a model or as a tool: model calls"
            + " with it are reported unpriced, tool calls with it are not billed");
        out.flush();
        return 1;
      }
      LocalDate day = date == null ? LocalDate.now() : date;
      out.println("entry:    " + entry.id() + " (" + entry.provider() + ", " + entry.kind() + ")");
      out.println("matched:  " + how);
      var resolved = io.agentmeter.cost.catalog.PriceResolution.resolve(catalog, entry, day);
      for (String note : resolved.notes()) {
        out.println("note:     " + note);
      }
      if (resolved.problem() != null) {
        out.println("no price: " + resolved.problem());
        out.flush();
        return 1;
      }
      PricePeriod period = resolved.period();
      if (period == null) {
        out.println("no price in force on " + day);
        out.flush();
        return 1;
      }
      if (entry.kind() == ModelKind.TOOL) {
        if (period.perRequest() == null) {
          out.println("no per-call price (per_request) in force on " + day
              + ": calls of this tool are reported unpriced");
          out.flush();
          return 1;
        }
        out.println("prices:   " + period.perRequest().stripTrailingZeros().toPlainString() + " "
            + period.currency() + " per call, in force on " + day);
        out.println("source:   " + period.source() + " (as of " + period.asOf() + ")");
        out.flush();
        return 0;
      }
      out.println("prices:   " + period.currency() + " per million tokens, in force on " + day);
      var b = period.base();
      out.println("          input " + perMillion(b.input()) + ", cache read " + perMillion(b.cacheRead())
          + ", cache write 5m " + perMillion(b.cacheWrite5m()) + " / 1h " + perMillion(b.cacheWrite1h())
          + ", output " + perMillion(b.output()));
      if (!period.longContext().isEmpty()) {
        out.println("          long-context tiers: " + period.longContext().size());
      }
      if (!period.serviceTiers().isEmpty()) {
        out.println("          service tiers: " + String.join(", ", new java.util.TreeSet<>(period.serviceTiers().keySet())));
      }
      out.println("source:   " + period.source() + " (as of " + period.asOf() + ")");
      out.flush();
      return 0;
    }
  }

  private static String perMillion(java.math.BigDecimal perToken) {
    return perToken == null ? "-"
        : perToken.movePointRight(6).stripTrailingZeros().toPlainString();
  }

  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = "Load a catalogue file (AgentMeter or LiteLLM format) and report every unusable entry.")
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE") Path file;

    @picocli.CommandLine.Mixin PriceAge age;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      CatalogLoad load = CatalogLoader.load(file, LocalDate.now());
      var aliasIssues = PriceAge.unresolvedAliases(load);
      out.println(file + ": " + load.format() + " format, " + load.entriesRead() + " entries read, "
          + load.layer().entries().size() + " usable, " + load.issues().size() + " issues");
      for (var issue : load.issues()) {
        out.println("  " + issue);
      }
      age.validateLines(load, aliasIssues, LocalDate.now()).forEach(out::println);
      out.flush();
      return load.issues().isEmpty() && aliasIssues.isEmpty() ? 0 : 1;
    }
  }
}
