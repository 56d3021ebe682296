package io.agentmeter.processor.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** A trace's rollup as stored, with its spans. */
public record TraceCost(
    String traceId,
    String currency,
    boolean complete,
    BigDecimal total,
    Map<String, BigDecimal> byAgent,
    Map<String, BigDecimal> byModel,
    Map<String, BigDecimal> byClient,
    BigDecimal sharedTotal,
    BigDecimal retryTotal,
    int unpricedSpans,
    List<SpanRow> spans) {}
