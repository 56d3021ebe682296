/**
 * Stores received requests durably in group commits before they are acknowledged.
 */
@NullMarked
package io.agentmeter.processor.ingest;

import org.jspecify.annotations.NullMarked;
