package io.agentmeter.cost;

import static java.util.Objects.requireNonNull;

import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.fx.FxTable;
import io.agentmeter.cost.rollup.AllocationRule;
import java.util.Locale;

/** Builds a {@link CostEngine}. */
public final class CostEngineBuilder {

  /** The reporting currency unless one is set: {@value}. */
  public static final String DEFAULT_CURRENCY = "USD";

  private PriceCatalog catalog;
  private AllocationRule allocationRule = AllocationRule.EVEN;
  private String currency = DEFAULT_CURRENCY;
  private FxTable fx = FxTable.empty();

  CostEngineBuilder() {}

  /** The catalogue to price from (default: the bundled one). */
  public CostEngineBuilder setCatalog(PriceCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
    return this;
  }

  /** How shared-resource cost is split across agents (default {@link AllocationRule#EVEN}). */
  public CostEngineBuilder setAllocationRule(AllocationRule allocationRule) {
    this.allocationRule = requireNonNull(allocationRule, "allocationRule");
    return this;
  }

  /**
   * The currency rollups report in (default {@value #DEFAULT_CURRENCY}); spans priced in another
   * currency are converted with the FX table at their start date.
   */
  public CostEngineBuilder setReportingCurrency(String currency) {
    requireNonNull(currency, "currency");
    String upper = currency.trim().toUpperCase(Locale.ROOT);
    if (!upper.matches("[A-Z]{3}")) {
      throw new IllegalArgumentException("currency must be an ISO 4217 code: " + currency);
    }
    this.currency = upper;
    return this;
  }

  /** Dated exchange rates for the reporting currency (default: none). */
  public CostEngineBuilder setFxTable(FxTable fx) {
    this.fx = requireNonNull(fx, "fx");
    return this;
  }

  /** The engine. */
  public CostEngine build() {
    return new CostEngine(
        catalog != null ? catalog : PriceCatalog.defaults(), allocationRule, currency, fx);
  }
}
