package io.agentmeter.processor.cli;

import io.agentmeter.cost.catalog.CatalogDiff;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.CatalogWriter;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.processor.Processor;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code agentmeter prices diff FILE}: the running catalogue against another price file. */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = {
      "Compare the running catalogue (bundled, plus --prices) with a price file (LiteLLM's"
          + " model_prices_and_context_window.json, genai-prices' data.json, or the AgentMeter"
          + " format) and list every model"
          + " whose standard prices differ, bucket by bucket, with both figures (USD per million"
          + " tokens). Exit code 1 when any differ.",
      "With --write-layer, write the differences as a dated layer file to review, keep and load"
          + " with --prices."})
final class PricesDiffCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The price file to compare with.")
  Path file;

  @Option(names = "--prices", paramLabel = "FILE",
      description = "The running price file over the bundled catalogue, as serve is given it.")
  Path prices;

  @Option(names = "--as-of", paramLabel = "DATE",
      description = "The day the file's figures are as of, and the day both sides are compared on"
          + " (default: today).")
  LocalDate asOf;

  @Option(names = "--write-layer", paramLabel = "OUT",
      description = "Write the differences as a layer file in the AgentMeter format.")
  Path writeLayer;

  @Option(names = "--effective-from", paramLabel = "DATE",
      description = "First day of the layer's new prices (default: --as-of).")
  LocalDate effectiveFrom;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    LocalDate day = asOf == null ? LocalDate.now() : asOf;
    PriceCatalog running = Processor.builder().setPrices(prices)
        .catalog(spec.commandLine().getErr()::println);
    CatalogLoad load = CatalogLoader.load(file, day);
    CatalogDiff.Result result = CatalogDiff.compare(running, load, day);

    out.println(file.getFileName() + ": " + load.format() + " format, " + result.modelsRead()
        + " models read, " + load.layer().entries().size() + " usable");
    out.println("on " + day + ": " + result.compared() + " name a catalogue entry, "
        + result.same() + " with the same prices, " + result.differences().size() + " differ; "
        + result.notInCatalogue().size() + " not in the catalogue"
        + (result.noPriceInFile().isEmpty() ? ""
            : ", " + result.noPriceInFile().size() + " with no price in the file that day"));
    for (CatalogDiff.ModelDifference difference : result.differences()) {
      StringBuilder head = new StringBuilder(difference.model()).append("  ")
          .append(difference.entry().id());
      if (difference.resolved().entry() != difference.entry()) {
        head.append(", priced as ").append(difference.resolved().entry().id());
      }
      if (difference.resolved().retired()) {
        head.append(", retired ").append(difference.resolved().retiredFrom());
      }
      out.println(head);
      for (CatalogDiff.BucketDifference bucket : difference.buckets()) {
        out.printf("  %-15s ours %-12s file %s%n", bucket.bucket(), perMillion(bucket.ours()),
            perMillion(bucket.theirs()));
      }
    }
    if (writeLayer != null) {
      LocalDate from = effectiveFrom == null ? day : effectiveFrom;
      CatalogDiff.Layer layer = CatalogDiff.layer(result, file.getFileName().toString(), from);
      Files.writeString(writeLayer, layer.json());
      out.println("wrote " + layer.written().size() + " entries to " + writeLayer
          + ", new prices from " + from + "; review it and load it with --prices");
      for (String skipped : layer.notWritten()) {
        out.println("  not written: " + skipped);
      }
    }
    out.flush();
    return result.differences().isEmpty() ? 0 : 1;
  }

  private static String perMillion(BigDecimal perToken) {
    return perToken == null ? "-" : CatalogWriter.perMillion(perToken);
  }
}
