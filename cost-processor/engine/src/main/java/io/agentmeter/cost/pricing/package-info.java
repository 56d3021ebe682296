/** Pricing one span: reading usage from attributes, normalising it, and pricing it exactly. */
@NullMarked
package io.agentmeter.cost.pricing;

import org.jspecify.annotations.NullMarked;
