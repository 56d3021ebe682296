/**
 * The trace window stage: open traces, closed after a grace once their root has arrived, after an
 * idle timeout without one, or oldest first past a bound; time comes from an injected clock.
 */
@NullMarked
package io.agentmeter.processor.window;

import org.jspecify.annotations.NullMarked;
