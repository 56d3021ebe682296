/**
 * Listeners of stored rollups (metrics, forwarding, and next budgets and alerts).
 */
@NullMarked
package io.agentmeter.processor.listen;

import org.jspecify.annotations.NullMarked;
