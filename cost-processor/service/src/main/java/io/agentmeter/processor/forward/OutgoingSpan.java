package io.agentmeter.processor.forward;

/**
 * A span handed to the forwarder: its stored payload as received, and the fields to add to it.
 *
 * @param payload a serialized {@code ResourceSpans} holding the span (see
 *     {@link io.agentmeter.processor.model.IncomingSpan#payload})
 * @param spanFields serialized {@code Span} fields to append to the span (its cost attributes),
 *     or empty
 */
record OutgoingSpan(String traceId, String spanId, byte[] payload, byte[] spanFields) {

  /**
   * The most the span takes in an export request: its bytes, and the length prefixes that grow
   * when the fields are added, with the {@code resource_spans} tag.
   */
  long maxRequestBytes() {
    return payload.length + spanFields.length + 16L;
  }
}
