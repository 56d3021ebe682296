/**
 * The query API over the cost store, with client-scoped tokens.
 */
@NullMarked
package io.agentmeter.processor.api;

import org.jspecify.annotations.NullMarked;
