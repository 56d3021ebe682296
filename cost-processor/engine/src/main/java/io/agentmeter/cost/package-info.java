/**
 * AgentMeter's cost engine: {@link io.agentmeter.cost.CostEngine} prices LLM spans from a dated
 * catalogue and rolls cost up by trace, agent, task, client and model without double counting.
 */
@NullMarked
package io.agentmeter.cost;

import org.jspecify.annotations.NullMarked;
