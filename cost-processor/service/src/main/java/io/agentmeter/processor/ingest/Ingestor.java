package io.agentmeter.processor.ingest;

import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
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
 * Stores received export requests durably before they are acknowledged. Receivers submit them; one
 * writer thread drains every waiting request into a single append to the request log (group commit),
 * completes their futures once the transaction is committed, and hands each request's spans on to
 * trace assembly.
 * A full queue is back-pressure: {@link #submit} refuses at once so the receiver can answer 503 /
 * UNAVAILABLE with a retry delay.
 */
public final class Ingestor implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Ingestor.class.getName());
  private static final int MAX_SPANS_PER_TRANSACTION = 20_000;

  private final RequestLog log;
  private final Metrics metrics;
  private final Consumer<List<IncomingSpan>> downstream;
  private final Capacity capacity;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean running = true;

  private record Pending(ReceivedRequest request, CompletableFuture<Integer> done) {}

  /** Downstream's room for more spans: the writer waits for it before storing more. */
  public interface Capacity {
    /** Waits up to {@code timeoutMillis} for room; whether there is room. */
    boolean await(long timeoutMillis) throws InterruptedException;
  }

  /**
   * @param queueCapacity how many batches may wait to be written before submitters are refused
   * @param downstream receives the spans that were new, after they are stored
   */
  public Ingestor(RequestLog log, Metrics metrics, int queueCapacity,
      Consumer<List<IncomingSpan>> downstream, Capacity capacity) {
    this.log = log;
    this.capacity = capacity;
    this.metrics = metrics;
    this.downstream = downstream;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::run, "agentmeter-ledger-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Queues an export request for storage.
   *
   * @param body the request as OTLP protobuf
   * @param spans its accepted spans
   * @return a future completed with the number of spans once they are durable, completed
   *     exceptionally if the ledger failed; {@code null} when the queue is full (back-pressure)
   */
  public CompletableFuture<Integer> submit(byte[] body, List<IncomingSpan> spans) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    if (spans.isEmpty()) {
      done.complete(0);
      return done;
    }
    if (!running || !queue.offer(new Pending(new ReceivedRequest(body, spans), done))) {
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
        // Assembly behind: acknowledgements slow down (and the queue fills, then refuses) rather
        // than memory filling with open traces.
        if (!capacity.await(100)) {
          continue;
        }
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        int spans = first.request().spans().size();
        Pending next;
        while (spans < MAX_SPANS_PER_TRANSACTION && (next = queue.poll()) != null) {
          group.add(next);
          spans += next.request().spans().size();
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
    List<ReceivedRequest> requests = new ArrayList<>(group.size());
    for (Pending p : group) {
      requests.add(p.request());
    }
    long start = System.nanoTime();
    List<List<IncomingSpan>> stored;
    try {
      stored = log.append(requests);
    } catch (StorageException e) {
      LOG.log(Level.WARNING, "ledger write failed; the senders will retry", e);
      for (Pending p : group) {
        p.done().completeExceptionally(e);
      }
      return;
    }
    metrics.ledgerWrite(System.nanoTime() - start);
    metrics.received(size);
    // Handed to assembly before the senders hear back (adding to open traces is quick), so that
    // an acknowledged span is in an open trace: a flush after the acknowledgement rolls it up.
    for (List<IncomingSpan> spans : stored) {
      try {
        downstream.accept(spans);
      } catch (RuntimeException e) {
        // Stored spans stay pending in the ledger and are rolled up on the next start.
        LOG.log(Level.WARNING, "trace assembly failed for " + spans.size() + " stored spans", e);
      }
    }
    for (Pending p : group) {
      p.done().complete(p.request().spans().size());
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    writer.join(30_000);
  }
}
