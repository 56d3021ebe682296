package io.agentmeter.processor.receive;

import io.agentmeter.cost.data.SpanRecord;

/**
 * One received span ready to store: the engine's view of it, a fingerprint of its content, and the
 * span with its resource and scope as OTLP {@code ResourceSpans} bytes, so that it can be priced
 * again, re-rolled up and forwarded exactly as it arrived.
 *
 * @param record the span as the cost engine reads it
 * @param fingerprint 16 hex characters identifying the span's content; a re-delivery of the same
 *     span has the same fingerprint
 * @param payload a serialized {@code ResourceSpans} holding only this span
 */
public record IncomingSpan(SpanRecord record, String fingerprint, byte[] payload) {}
