package io.agentmeter.processor.cli;

import io.agentmeter.cost.rollup.AllocationRule;
import io.agentmeter.processor.Processor;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How costs are computed: the options every command that prices shares ({@code serve},
 * {@code replay}, {@code reprice}), so that all of them price as {@code serve} does.
 */
final class EngineOptions {

  @Option(names = "--prices", paramLabel = "FILE",
      description = "Price catalogue layered over the bundled one (AgentMeter or LiteLLM format, detected).")
  Path prices;

  @Option(names = "--currency", paramLabel = "CODE", defaultValue = "USD",
      description = "ISO 4217 currency the ledger, the API and /metrics report costs in"
          + " (default: ${DEFAULT-VALUE}); prices in another currency are converted with --fx-table.")
  String currency;

  @Option(names = "--fx-table", paramLabel = "FILE",
      description = "CSV of dated exchange rates, lines date,from,to,rate (2026-01-01,USD,EUR,0.92);"
          + " a span is converted at the latest rate dated on or before its start day.")
  Path fxTable;

  @Option(names = "--shared-allocation", paramLabel = "RULE", defaultValue = "EVEN",
      description = "How a shared resource's cost (agentmeter.shared.resource, billed once per trace)"
          + " is split across the agents that used it: FIRST_USER, EVEN or PROPORTIONAL to their"
          + " direct cost (default: ${DEFAULT-VALUE}).")
  String sharedAllocation;

  /** Sets these options on {@code builder}. */
  Processor.Builder applyTo(Processor.Builder builder) {
    return builder
        .setPrices(prices)
        .setCurrency(currency)
        .setFxTable(fxTable)
        .setSharedAllocation(allocationRule(sharedAllocation));
  }

  /** One line for people: the reporting currency, where its rates come from, the allocation rule. */
  String costs() {
    return currency.trim().toUpperCase(Locale.ROOT)
        + (fxTable == null ? "" : " (rates from " + fxTable + ")")
        + ", shared-resource allocation " + allocationRule(sharedAllocation);
  }

  /** {@code FIRST_USER}, {@code first-user} and {@code first_user} alike. */
  static AllocationRule allocationRule(String text) {
    String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (AllocationRule rule : AllocationRule.values()) {
      if (rule.name().equals(name)) {
        return rule;
      }
    }
    throw new IllegalArgumentException("--shared-allocation must be FIRST_USER, EVEN or"
        + " PROPORTIONAL; got '" + text + "'");
  }
}
