package io.agentmeter.processor.model;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** One stored span of a trace, as the query API shows it. */
public record SpanRow(
    String spanId,
    @Nullable String parentSpanId,
    String name,
    long startNanos,
    @Nullable String agent,
    @Nullable String model,
    @Nullable String status,
    @Nullable String reason,
    @Nullable BigDecimal cost) {}
