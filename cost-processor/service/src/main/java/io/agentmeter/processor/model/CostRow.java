package io.agentmeter.processor.model;

import java.math.BigDecimal;

/**
 * One group of a cost query.
 *
 * @param key the group's value (an agent name, a day, a trace id...)
 * @param cost the exact sum of the group's priced cost
 * @param spans billable spans in the group, priced or not
 * @param unpricedSpans of which unpriced
 * @param inputTokens the group's input tokens
 * @param outputTokens the group's output tokens
 */
public record CostRow(
    String key, BigDecimal cost, long spans, long unpricedSpans, long inputTokens, long outputTokens) {}
