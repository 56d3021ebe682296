/**
 * The {@code agentmeter} command line: serve, report, replay, reprice, prices.
 */
@NullMarked
package io.agentmeter.processor.cli;

import org.jspecify.annotations.NullMarked;
