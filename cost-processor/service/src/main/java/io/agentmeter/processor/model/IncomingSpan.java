package io.agentmeter.processor.model;

import io.agentmeter.cost.data.SpanRecord;

/**
 * One received span: the engine's view of it, a fingerprint of its content, the span with its
 * resource and scope as OTLP {@code ResourceSpans} bytes (so that it can be priced again, re-rolled
 * up and forwarded exactly as it arrived), and the stored request it came in.
 *
 * @param record the span as the cost engine reads it
 * @param fingerprint 16 hex characters identifying the span's content; a re-delivery of the same
 *     span has the same fingerprint
 * @param payload a serialized {@code ResourceSpans} holding only this span, or empty when the
 *     receiver was told not to keep one (no forwarding: the bytes are in the stored request)
 * @param batchId the ledger's id of the stored export request holding the span, or
 *     {@link #NOT_STORED} before it is stored
 */
public record IncomingSpan(SpanRecord record, String fingerprint, byte[] payload, long batchId) {

  /** The {@link #batchId} of a span not stored yet. */
  public static final long NOT_STORED = -1;

  public IncomingSpan(SpanRecord record, String fingerprint, byte[] payload) {
    this(record, fingerprint, payload, NOT_STORED);
  }

  /** This span, stored in batch {@code id}. */
  public IncomingSpan inBatch(long id) {
    return new IncomingSpan(record, fingerprint, payload, id);
  }

  /** Identifies one delivery's content within its trace: a re-delivery has the same key. */
  public DeliveryKey deliveryKey() {
    return new DeliveryKey(record.spanId(), fingerprint);
  }

  /** A span id and content fingerprint: one distinct delivery within a trace. */
  public record DeliveryKey(String spanId, String fingerprint) {}
}
