/**
 * Forwards costed spans to an OTLP/HTTP endpoint (Jaeger, Tempo, a collector).
 */
@NullMarked
package io.agentmeter.processor.forward;

import org.jspecify.annotations.NullMarked;
