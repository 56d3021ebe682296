package io.agentmeter.cost.catalog;

import java.util.List;

/** Prices of one service tier (batch, flex, priority), with its own long-context tiers. */
public record ServiceTierPrices(BucketPrices prices, List<LongContextTier> longContext) {
  public ServiceTierPrices {
    longContext = List.copyOf(longContext);
  }
}
