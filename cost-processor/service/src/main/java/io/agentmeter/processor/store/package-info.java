/**
 * The cost store stage: traces' rollups and the cost queries; the interface and an in-memory
 * implementation.
 */
@NullMarked
package io.agentmeter.processor.store;

import org.jspecify.annotations.NullMarked;
