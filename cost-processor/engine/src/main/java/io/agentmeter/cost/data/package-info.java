/** The values that flow through the cost engine: spans in, costs and rollups out. */
@NullMarked
package io.agentmeter.cost.data;

import org.jspecify.annotations.NullMarked;
