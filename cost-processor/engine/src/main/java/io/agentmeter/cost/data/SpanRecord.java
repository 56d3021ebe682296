package io.agentmeter.cost.data;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One finished span as the cost engine sees it, independent of how it arrived (OTLP protobuf or
 * JSON, an SDK {@code SpanData}, a file replay).
 *
 * <p>Attribute values are {@link String}, {@link Long}, {@link Double}, {@link Boolean} or a {@link
 * java.util.List} of those, as OTLP carries them; a receiver converts OTLP integers to {@code Long}.
 * Values of any other type, or of the wrong type for a key, are reported by the engine, not
 * coerced.
 *
 * @param traceId 32 lower-case hex characters
 * @param spanId 16 lower-case hex characters
 * @param parentSpanId the parent's span id, or {@code null} for a root span
 * @param name the span name
 * @param startEpochNanos start time, nanoseconds since the epoch; selects the price in force
 * @param endEpochNanos end time, nanoseconds since the epoch
 * @param error whether the span's status is ERROR
 * @param attributes the span's attributes
 * @param resource the attributes of the resource (service) that produced the span
 */
public record SpanRecord(
    String traceId,
    String spanId,
    @Nullable String parentSpanId,
    String name,
    long startEpochNanos,
    long endEpochNanos,
    boolean error,
    Map<String, Object> attributes,
    Map<String, Object> resource) {

  public SpanRecord {
    requireNonNull(traceId, "traceId");
    requireNonNull(spanId, "spanId");
    requireNonNull(name, "name");
    requireNonNull(attributes, "attributes");
    requireNonNull(resource, "resource");
    if (parentSpanId != null && parentSpanId.isEmpty()) {
      parentSpanId = null;
    }
  }

  /** Whether the span has no parent in its trace. */
  public boolean isRoot() {
    return parentSpanId == null;
  }
}
