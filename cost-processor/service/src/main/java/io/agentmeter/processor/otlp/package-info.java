/**
 * Reads OTLP export requests straight from their bytes (protobuf, OTLP/JSON, gzip), keeping each
 * span's own bytes for the log and for forwarding; a span that cannot be stored is rejected alone.
 */
@NullMarked
package io.agentmeter.processor.otlp;

import org.jspecify.annotations.NullMarked;
