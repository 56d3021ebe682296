/**
 * The dated price catalogue: model entries, price periods, tiers and fees, the loaders for
 * AgentMeter's own format and LiteLLM's, and model matching.
 */
@NullMarked
package io.agentmeter.cost.catalog;

import org.jspecify.annotations.NullMarked;
