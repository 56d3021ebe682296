package io.agentmeter.processor.model;

import java.util.List;

/**
 * One received export request to store.
 *
 * @param body the request as OTLP protobuf, stored whole
 * @param spans its accepted spans
 */
public record ReceivedRequest(byte[] body, List<IncomingSpan> spans) {}
