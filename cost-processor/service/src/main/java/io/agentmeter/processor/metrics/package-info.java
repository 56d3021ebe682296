/**
 * The service's Prometheus metrics.
 */
@NullMarked
package io.agentmeter.processor.metrics;

import org.jspecify.annotations.NullMarked;
