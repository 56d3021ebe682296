/** Dated exchange rates for reporting in a currency other than the catalogue's. */
@NullMarked
package io.agentmeter.cost.fx;

import org.jspecify.annotations.NullMarked;
