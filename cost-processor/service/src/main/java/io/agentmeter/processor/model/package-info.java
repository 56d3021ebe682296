/**
 * The span model every stage shares: a received span and its delivery key, a received request,
 * a rollup to store and a stored one, and the rows the cost queries answer with. Values only; it
 * imports no stage.
 */
@NullMarked
package io.agentmeter.processor.model;

import org.jspecify.annotations.NullMarked;
