/**
 * Forwards costed spans to an OTLP endpoint (Jaeger, Tempo, a Collector) over OTLP/HTTP or
 * OTLP/gRPC: the spans as received with their cost attributes appended, batched across traces, a
 * few requests in flight, every span counted as forwarded or dropped.
 */
@NullMarked
package io.agentmeter.processor.forward;

import org.jspecify.annotations.NullMarked;
