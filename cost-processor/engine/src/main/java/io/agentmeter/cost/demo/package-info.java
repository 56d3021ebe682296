/** A runnable sample: a multi-agent trace priced and rolled up with the bundled catalogue. */
@NullMarked
package io.agentmeter.cost.demo;

import org.jspecify.annotations.NullMarked;
