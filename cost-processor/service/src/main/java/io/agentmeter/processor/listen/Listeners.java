package io.agentmeter.processor.listen;

import io.agentmeter.processor.model.StoredRollup;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells several listeners of stored rollups, in order: what one throws is logged and counted, and
 * the next is told all the same.
 */
public final class Listeners implements RollupListener {

  private static final Logger LOG = Logger.getLogger(Listeners.class.getName());

  private final List<RollupListener> listeners;
  private final LongAdder failures = new LongAdder();

  private Listeners(List<RollupListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /** The listeners, told in this order. */
  public static Listeners of(List<RollupListener> listeners) {
    return new Listeners(listeners);
  }

  @Override
  public void stored(List<StoredRollup> rollups) {
    for (RollupListener listener : listeners) {
      try {
        listener.stored(rollups);
      } catch (RuntimeException e) {
        failures.increment();
        LOG.log(Level.WARNING, "a listener of stored rollups (" + listener.getClass().getName()
            + ") failed on " + rollups.size() + " rollups", e);
      }
    }
  }

  /** How often a listener threw. */
  public long failures() {
    return failures.sum();
  }

  /** Closes every listener, in order. */
  @Override
  public void close() {
    for (RollupListener listener : listeners) {
      try {
        listener.close();
      } catch (RuntimeException e) {
        failures.increment();
        LOG.log(Level.WARNING, "closing a listener of stored rollups ("
            + listener.getClass().getName() + ") failed", e);
      }
    }
  }
}
