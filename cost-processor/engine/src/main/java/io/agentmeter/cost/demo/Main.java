package io.agentmeter.cost.demo;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.rollup.AllocationRule;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import io.agentmeter.cost.rollup.TraceRollup;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prices the sample trace with the bundled catalogue plus a small user layer (the vector store's
 * internal chargeback price) and prints the rollup. {@code java -jar agentmeter-cost-engine-*-cli.jar}.
 */
public final class Main {

  static final String USER_LAYER =
      "{\"format\": \"agentmeter.prices/v1\", \"name\": \"sample user layer\", \"models\": [{"
          + "\"id\": \"internal/vector_search\", \"provider\": \"internal\", \"kind\": \"tool\","
          + " \"match\": {\"names\": [\"vector_search\"]},"
          + " \"prices\": [{\"per_request\": \"0.004\", \"source\": \"vector store chargeback\"}]}]}";

  private Main() {}

  public static void main(String[] args) {
    print(System.out);
  }

  static RollupResult print(PrintStream out) {
    CatalogLoad user = CatalogLoader.parse(USER_LAYER, "sample-user-layer.json", null);
    PriceCatalog catalog = PriceCatalog.defaults().withLayerOnTop(user.layer());
    CostEngine engine =
        CostEngine.builder().setCatalog(catalog).setAllocationRule(AllocationRule.EVEN).build();
    List<SpanRecord> spans = SampleTrace.spans();
    TraceRollup rollup = engine.newRollup();
    spans.forEach(rollup::add);
    RollupResult result = rollup.result();

    out.println("AgentMeter cost engine: the sample 'research report' trace");
    out.println("  " + spans.size() + " deliveries, " + rollup.size() + " distinct spans, priced with"
        + " the bundled catalogue + a user layer (vector_search at 0.004 per call)");
    out.println();
    out.printf("trace %s   total %s %s%n", SampleTrace.TRACE_ID, plain(result.total()), result.currency());
    out.println("  by agent   " + line(result.byAgent()));
    out.println("  by model   " + line(result.byModel()));
    out.println("  by client  " + line(result.byClient()));
    out.println("  by task    " + line(result.byTask()));
    out.printf("  shared %s   retry %s   unpriced spans %d   duplicate deliveries %d%n",
        plain(result.sharedTotal()), plain(result.retryTotal()), result.unpricedSpans(),
        result.duplicateDeliveries());
    out.println();
    out.printf("  %-28s %-13s %-11s %-10s %s%n", "span", "status", "cost", "agent", "reason / price");
    for (SpanOutcome span : result.spans()) {
      String detail = span.reason() != null ? span.reason()
          : span.price() != null && span.price().priceRef() != null ? span.price().priceRef() : "";
      out.printf("  %-28s %-13s %-11s %-10s %s%n", truncate(span.name(), 28), span.status().value(),
          span.cost() == null ? "-" : plain(span.cost()), span.agent(), detail);
    }
    return result;
  }

  private static String line(Map<String, BigDecimal> amounts) {
    return amounts.entrySet().stream()
        .map(e -> e.getKey() + " " + plain(e.getValue()))
        .collect(Collectors.joining(" | "));
  }

  private static String plain(BigDecimal amount) {
    return amount.toPlainString();
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "~";
  }
}
