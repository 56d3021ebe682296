package io.agentmeter.processor.ingest;

import io.agentmeter.processor.ledger.Ledger;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.receive.IncomingSpan;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Stores received spans durably before they are acknowledged. Receivers submit batches; one writer
 * thread drains every waiting batch into a single ledger transaction (group commit), completes the
 * batches' futures once the transaction is committed, and hands the new spans on to trace assembly.
 * A full queue is back-pressure: {@link #submit} refuses at once so the receiver can answer 503 /
 * UNAVAILABLE with a retry delay.
 */
public final class Ingestor implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Ingestor.class.getName());
  private static final int MAX_SPANS_PER_TRANSACTION = 20_000;

  private final Ledger ledger;
  private final Metrics metrics;
  private final Consumer<List<IncomingSpan>> downstream;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean running = true;

  private record Pending(List<IncomingSpan> spans, CompletableFuture<Integer> done) {}

  /**
   * @param queueCapacity how many batches may wait to be written before submitters are refused
   * @param downstream receives the spans that were new, after they are stored
   */
  public Ingestor(Ledger ledger, Metrics metrics, int queueCapacity,
      Consumer<List<IncomingSpan>> downstream) {
    this.ledger = ledger;
    this.metrics = metrics;
    this.downstream = downstream;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::run, "agentmeter-ledger-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Queues spans for storage.
   *
   * @return a future completed with the number of new spans once they are durable, completed
   *     exceptionally if the ledger failed; {@code null} when the queue is full (back-pressure)
   */
  public CompletableFuture<Integer> submit(List<IncomingSpan> spans) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    if (spans.isEmpty()) {
      done.complete(0);
      return done;
    }
    if (!running || !queue.offer(new Pending(spans, done))) {
      return null;
    }
    return done;
  }

  /** Batches waiting to be written. */
  public int backlog() {
    return queue.size();
  }

  private void run() {
    List<Pending> group = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int spans = first.spans().size();
        Pending next;
        while (spans < MAX_SPANS_PER_TRANSACTION && (next = queue.poll()) != null) {
          group.add(next);
          spans += next.spans().size();
        }
        write(group, spans);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "ledger writer failed", e);
        for (Pending p : group) {
          p.done().completeExceptionally(e);
        }
      } finally {
        group.clear();
      }
    }
  }

  private void write(List<Pending> group, int size) {
    List<IncomingSpan> all = new ArrayList<>(size);
    for (Pending p : group) {
      all.addAll(p.spans());
    }
    long start = System.nanoTime();
    List<IncomingSpan> fresh;
    try {
      fresh = ledger.insert(all);
    } catch (java.sql.SQLException e) {
      LOG.log(Level.WARNING, "ledger write failed; the senders will retry", e);
      for (Pending p : group) {
        p.done().completeExceptionally(e);
      }
      return;
    }
    metrics.ledgerWrite(System.nanoTime() - start);
    metrics.received(fresh.size());
    metrics.duplicates(all.size() - fresh.size());
    // Acknowledge first: the spans are durable, and assembly must not delay the senders.
    int remaining = fresh.size();
    for (Pending p : group) {
      p.done().complete(Math.min(remaining, p.spans().size()));
      remaining = Math.max(0, remaining - p.spans().size());
    }
    try {
      downstream.accept(fresh);
    } catch (RuntimeException e) {
      // Stored spans stay pending in the ledger and are rolled up on the next start.
      LOG.log(Level.WARNING, "trace assembly failed for " + fresh.size() + " stored spans", e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    writer.join(30_000);
  }
}
