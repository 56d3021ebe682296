package io.agentmeter.processor.model;

import java.math.BigDecimal;

/** A trace in a most-expensive list. */
public record TraceSummary(
    String traceId,
    String rootName,
    long startNanos,
    BigDecimal total,
    String currency,
    int spans,
    int unpricedSpans,
    boolean complete) {}
