package io.agentmeter.processor.window;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the trace window and the store step share. Per stored request still marked pending: how
 * many of its traces are open or closed but not stored yet, so that its mark is cleared only once
 * every trace it holds is stored. And the traces stored lately with their root: a span of one of
 * them is late, and its trace closes after the grace instead of waiting for the idle timeout.
 * Thread-safe.
 */
public final class PendingRequests {

  private static final int RECENT_TRACES = 50_000;

  /** Per request: its traces not stored yet (guarded by this). */
  private final HashMap<Long, int[]> tracesLeft = new HashMap<>();
  /** Traces stored complete lately, oldest first (guarded by this). */
  private final LinkedHashMap<String, Boolean> recentlyComplete = new LinkedHashMap<>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > RECENT_TRACES;
    }
  };

  /** A trace took in its first span of request {@code id}: one more trace of it to store. */
  synchronized void traceOpened(long id) {
    tracesLeft.computeIfAbsent(id, k -> new int[1])[0]++;
  }

  /** Whether the trace was stored lately with its root (so a span of it is late). */
  synchronized boolean recentlyComplete(String traceId) {
    return recentlyComplete.containsKey(traceId);
  }

  /**
   * Traces were stored, all in one write.
   *
   * @param stored per request, how many of its traces the write stored
   * @param failed requests a trace of which was closed but could not be rolled up: they stay
   *     pending (the next start rolls them up again)
   * @param complete the stored traces whose rollups are complete
   * @return the requests every trace of which is stored now: their pending marks can be cleared
   */
  public synchronized List<Long> stored(Map<Long, Integer> stored, Set<Long> failed,
      Collection<String> complete) {
    List<Long> done = new ArrayList<>();
    stored.forEach((id, count) -> {
      int[] left = tracesLeft.get(id);
      if (left == null || count <= 0) {
        return;
      }
      if (left[0] == count && !failed.contains(id)) {
        done.add(id);
      }
      left[0] -= count;
      if (left[0] <= 0) {
        tracesLeft.remove(id);
      }
    });
    for (String traceId : complete) {
      recentlyComplete.put(traceId, Boolean.TRUE);
    }
    return done;
  }

  /** Requests with traces not stored yet. */
  public synchronized int requests() {
    return tracesLeft.size();
  }
}
