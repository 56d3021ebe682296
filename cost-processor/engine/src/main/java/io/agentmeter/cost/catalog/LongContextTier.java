package io.agentmeter.cost.catalog;

/**
 * Prices that replace the base prices for a whole request once its total input tokens exceed
 * {@code aboveInputTokens}.
 */
public record LongContextTier(long aboveInputTokens, BucketPrices prices) {}
