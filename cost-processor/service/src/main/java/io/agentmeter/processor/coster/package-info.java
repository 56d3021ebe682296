/**
 * The coster stage: claims closed traces, counts each distinct delivery once, rolls them up with
 * the cost engine, stores the rollups and tells the listeners.
 */
@NullMarked
package io.agentmeter.processor.coster;

import org.jspecify.annotations.NullMarked;
