/**
 * The cost processor service's front door: {@link io.agentmeter.processor.Processor#builder()}
 * wires the stages (receive, ingest, window, coster, store, listeners) and serves the API.
 */
@NullMarked
package io.agentmeter.processor;

import org.jspecify.annotations.NullMarked;
