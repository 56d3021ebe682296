/** Rolling cost up by trace, agent, task, client and model without double counting. */
@NullMarked
package io.agentmeter.cost.rollup;

import org.jspecify.annotations.NullMarked;
