package io.agentmeter.processor.listen;

import io.agentmeter.processor.model.StoredRollup;
import java.util.List;

/**
 * Told of rollups once they are durably stored: metrics, forwarding, and whatever else must follow
 * the ledger (a budget, an alert). Called on the store thread, in the order rollups were stored;
 * an implementation returns quickly (queue slow work) and never throws: the caller catches,
 * logs and counts what escapes, and goes on with the next listener.
 */
public interface RollupListener extends AutoCloseable {

  /** Rollups that were just stored, in one durable write. */
  void stored(List<StoredRollup> rollups);

  /** Stops the listener, finishing or dropping (and counting) what it holds. */
  @Override
  default void close() {}
}
