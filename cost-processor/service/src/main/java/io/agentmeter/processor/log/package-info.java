/**
 * The received-request log stage: every export request appended durably before it is
 * acknowledged, pending until its traces are rolled up; the interface and an in-memory
 * implementation.
 */
@NullMarked
package io.agentmeter.processor.log;

import org.jspecify.annotations.NullMarked;
