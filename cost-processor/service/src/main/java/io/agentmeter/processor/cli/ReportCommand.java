package io.agentmeter.processor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmeter.processor.Pipeline;
import io.agentmeter.processor.api.ApiServer;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostRow;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code agentmeter report}. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Cost from the ledger, grouped by agent, task, client, model, provider, day or trace.",
        "A group whose cost is unknown (unpriced spans, nothing priced) shows 'unpriced' (an empty"
            + " cost in csv, null in json), never 0; a partly priced one its priced sum + the count"
            + " of unpriced spans."})
final class ReportCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin LedgerOptions ledger = new LedgerOptions();

  @Option(names = {"--by", "--group-by"}, defaultValue = "agent",
      description = "agent, task, client, model, provider, day or trace (default: ${DEFAULT-VALUE}).")
  String groupBy;

  @Option(names = "--from", description = "ISO-8601 instant or date, inclusive (default: all).")
  String from;

  @Option(names = "--to", description = "ISO-8601 instant or date, exclusive (default: now + 1 day).")
  String to;

  @Option(names = "--agent", description = "Only this agent.")
  String agent;

  @Option(names = "--client", description = "Only this client.")
  String client;

  @Option(names = "--task", description = "Only this task.")
  String task;

  @Option(names = "--model", description = "Only this model.")
  String model;

  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() throws Exception {
    CostQuery.GroupBy by = CostQuery.GroupBy.parse(groupBy);
    CostQuery query = new CostQuery(by, ApiServer.instant(from, Instant.EPOCH),
        ApiServer.instant(to, Instant.now().plusSeconds(86_400)), agent, client, task, model);
    List<CostRow> rows;
    // reads only, beside a running service: what a crash left pending is the service's to roll up
    try (Pipeline pipeline = LedgerOptions.open(
        ledger.builder().setRecoverPending(false).setReadOnly(true), false,
        LedgerOptions.existingLedger("report", "reads"))) {
      rows = pipeline.costStore().costs(query);
    }
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case "csv" -> {
        out.println(by.value() + ",cost,spans,unpriced_spans,input_tokens,output_tokens");
        for (CostRow r : rows) {
          // an unknown cost is an empty field, never 0
          BigDecimal cost = r.knownCost();
          out.println(csv(r.key()) + "," + (cost == null ? "" : cost.toPlainString()) + ","
              + r.spans() + ","
              + r.unpricedSpans() + "," + r.inputTokens() + "," + r.outputTokens());
        }
      }
      case "json" -> {
        ObjectMapper json = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();
        ObjectNode root = json.createObjectNode();
        root.put("groupBy", by.value());
        ArrayNode array = root.putArray("rows");
        for (CostRow r : rows) {
          ObjectNode row = array.addObject();
          row.put("key", r.key());
          row.put("cost", r.knownCost());
          row.put("spans", r.spans());
          row.put("unpricedSpans", r.unpricedSpans());
          row.put("inputTokens", r.inputTokens());
          row.put("outputTokens", r.outputTokens());
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
      }
      case "table" -> table(out, by, rows);
      default -> throw new IllegalArgumentException("--format must be table, csv or json; got '" + format + "'");
    }
    out.flush();
    return 0;
  }

  /**
   * One line per group and a total. The cost column says what is known: the priced sum, followed
   * by {@code + N unpriced} when the group also has unpriced spans, or {@code unpriced} alone when
   * nothing in it was priced (as the demo's report does), never 0 for an unknown cost.
   */
  private static void table(PrintWriter out, CostQuery.GroupBy by, List<CostRow> rows) {
    int width = Math.max(by.value().length(), 8);
    for (CostRow r : rows) {
      width = Math.max(width, r.key().length());
    }
    String line = "%-" + width + "s  %24s  %6s  %12s  %12s%n";
    out.printf(line, by.value(), "cost", "spans", "input tok", "output tok");
    BigDecimal total = BigDecimal.ZERO;
    long spans = 0;
    long unpriced = 0;
    for (CostRow r : rows) {
      out.printf(line, r.key(), cost(r.cost(), r.unpricedSpans()), r.spans(), r.inputTokens(),
          r.outputTokens());
      total = total.add(r.cost());
      spans += r.spans();
      unpriced += r.unpricedSpans();
    }
    out.printf(line, "total", cost(total.stripTrailingZeros(), unpriced), spans, "", "");
  }

  /** A table's cost cell: {@code 0.0125}, {@code 0.0125 + 2 unpriced} or {@code unpriced}. */
  static String cost(BigDecimal pricedSum, long unpricedSpans) {
    BigDecimal known = CostRow.known(pricedSum, unpricedSpans);
    if (known == null) {
      return "unpriced";
    }
    return unpricedSpans == 0 ? known.toPlainString()
        : known.toPlainString() + " + " + unpricedSpans + " unpriced";
  }

  private static String csv(String value) {
    return value.contains(",") || value.contains("\"")
        ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
