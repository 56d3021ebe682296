/**
 * The OTLP receivers (HTTP and gRPC) and what both do with a request: convert, store, answer.
 */
@NullMarked
package io.agentmeter.processor.receive;

import org.jspecify.annotations.NullMarked;
