package io.agentmeter.cost;

import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.fx.FxTable;
import io.agentmeter.cost.pricing.Pricer;
import io.agentmeter.cost.pricing.SpanCost;
import io.agentmeter.cost.pricing.SpanFacts;
import io.agentmeter.cost.rollup.AllocationRule;
import io.agentmeter.cost.rollup.TraceRollup;

/**
 * The cost engine's front door: prices single spans and creates rollups that cost whole traces
 * without double counting. Immutable and thread-safe; rollups it creates are not.
 *
 * <pre>{@code
 * CostEngine engine = CostEngine.create();            // bundled catalogue, USD, even split
 * TraceRollup rollup = engine.newRollup();
 * spans.forEach(rollup::add);
 * RollupResult cost = rollup.result();
 * }</pre>
 */
public final class CostEngine {

  private final Pricer pricer;
  private final AllocationRule allocationRule;
  private final String currency;
  private final FxTable fx;

  CostEngine(PriceCatalog catalog, AllocationRule allocationRule, String currency, FxTable fx) {
    this.pricer = Pricer.create(catalog);
    this.allocationRule = allocationRule;
    this.currency = currency;
    this.fx = fx;
  }

  /** An engine on the bundled catalogue, reporting in USD, splitting shared cost evenly. */
  public static CostEngine create() {
    return builder().build();
  }

  /** A builder with the defaults of {@link #create()}. */
  public static CostEngineBuilder builder() {
    return new CostEngineBuilder();
  }

  /** Prices one span on its own, with the attribution its own attributes give. */
  public SpanCost price(SpanRecord span) {
    SpanFacts facts = SpanFacts.read(span);
    String client = facts.client() != null ? facts.client() : facts.resourceClient();
    return pricer.price(facts, span.startEpochNanos(), client);
  }

  /** A new, empty rollup with this engine's catalogue, allocation rule and currency. */
  public TraceRollup newRollup() {
    return TraceRollup.create(pricer, allocationRule, currency, fx);
  }

  /** The catalogue spans are priced from. */
  public PriceCatalog catalog() {
    return pricer.catalog();
  }

  /** The reporting currency of rollups. */
  public String currency() {
    return currency;
  }
}
