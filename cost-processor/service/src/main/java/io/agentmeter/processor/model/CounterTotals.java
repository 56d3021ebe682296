package io.agentmeter.processor.model;

import java.math.BigDecimal;
import java.util.Map;

/**
 * What a cost store holds, summed as the service's monotonic counters count it, so that counters
 * restored from the store at start continue where the last process left them.
 *
 * @param cost the cost of priced lines now stored, by label set (what the ledger's queries sum)
 * @param reversed the cost taken back from a label set by rollups that replaced earlier ones (a
 *     late span moving a shared cost, a reprice), summed over the store's life; {@code cost} plus
 *     {@code reversed} is everything ever added, which never decreases
 * @param tokens input and output tokens of priced spans, by label set (the span's own agent)
 * @param unpriced billable spans that could not be priced, by model
 */
public record CounterTotals(Map<CostLabels, BigDecimal> cost, Map<CostLabels, BigDecimal> reversed,
    Map<TokenLabels, Long> tokens, Map<String, Long> unpriced) {

  public CounterTotals {
    cost = Map.copyOf(cost);
    reversed = Map.copyOf(reversed);
    tokens = Map.copyOf(tokens);
    unpriced = Map.copyOf(unpriced);
  }

  /** Nothing stored. */
  public static CounterTotals none() {
    return new CounterTotals(Map.of(), Map.of(), Map.of(), Map.of());
  }

  /** Labels of a cost sample. */
  public record CostLabels(String agent, String model, String provider, String client,
      String currency) {}

  /** Labels of a token sample; {@code kind} is {@code input} or {@code output}. */
  public record TokenLabels(String agent, String model, String provider, String client,
      String kind) {}
}
