package io.agentmeter.processor.coster;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Traces claimed by a rollup not stored yet, so that a trace has at most one rollup between
 * reading whether it was rolled up before and storing: a trace closing again (a late span), or
 * closed by a flush on another thread, waits until the rollup before is stored.
 */
final class Claims {

  /** Claimed traces (guarded by itself). */
  private final Set<String> storing = new HashSet<>();
  private final Runnable awaitStored;

  /** @param awaitStored waits until every rollup handed to the store step is stored (or failed) */
  Claims(Runnable awaitStored) {
    this.awaitStored = awaitStored;
  }

  /**
   * Claims traces for one rollup: waits while any of them is claimed.
   *
   * @return whether the traces are claimed ({@code false}: interrupted)
   */
  boolean claim(List<String> ids) {
    while (true) {
      synchronized (storing) {
        if (Collections.disjoint(storing, ids)) {
          storing.addAll(ids);
          return true;
        }
      }
      awaitStored.run();
      synchronized (storing) {
        if (!Collections.disjoint(storing, ids)) {
          try {
            storing.wait(10);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
      }
    }
  }

  /** Lets traces go: their rollup is stored, or failed (then they can close again). */
  void release(Collection<String> ids) {
    synchronized (storing) {
      for (String id : ids) { // not removeAll: that may ask the list whether it holds each id
        storing.remove(id);
      }
      storing.notifyAll();
    }
  }
}
