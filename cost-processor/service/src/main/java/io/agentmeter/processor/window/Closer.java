package io.agentmeter.processor.window;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that closes traces: runs a {@link TraceWindow}'s {@link TraceWindow#closeDue} on
 * its tick, and what the window hands it (traces closed for the bound, a flush), in order.
 */
public final class Closer implements Executor, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Closer.class.getName());

  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "agentmeter-trace-closer");
    t.setDaemon(true);
    return t;
  });

  /** Starts closing the window's due traces every {@link TraceWindow#tick}. */
  public void start(TraceWindow window) {
    long tick = window.tick().toMillis();
    thread.scheduleWithFixedDelay(() -> {
      try {
        window.closeDue();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "closing traces failed", e);
      }
    }, tick, tick, TimeUnit.MILLISECONDS);
  }

  @Override
  public void execute(Runnable task) {
    thread.execute(task);
  }

  /** Stops ticking and waits (up to 10 s) for what it was handed; then it refuses more. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
