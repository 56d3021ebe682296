package io.agentmeter.processor.forward;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.agentmeter.processor.forward.Transport.Attempt;
import io.agentmeter.processor.forward.Transport.Result;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.otlp.ForwardPayloads;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Sends costed spans on to an OTLP endpoint (Jaeger, Tempo, a Collector): OTLP/HTTP protobuf for
 * {@code http(s)://} URLs, OTLP/gRPC for {@code grpc://host:port}.
 *
 * <p>Spans wait in a queue bounded by spans, so that a backend that is slow or down never blocks
 * receiving or the ledger. {@link Settings#senders} threads each take everything waiting (up to a
 * request's bounds, the spans of many traces merged into one export request), check and assemble
 * it, and send it: that many requests are in flight at once, in no particular order (OTLP asks
 * none). A request is retried with backoff on the retryable codes, waiting at least what the
 * backend asks ({@code Retry-After}, gRPC {@code RetryInfo}).
 *
 * <p>Every span handed to {@link #send} ends up counted once: forwarded, or dropped (queue full,
 * refused, retries run out, a payload a backend would not parse, spans a backend said it rejected,
 * or still undelivered when {@link #close} gives up).
 */
public final class Forwarder implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Forwarder.class.getName());
  private static final int MAX_ATTEMPTS = 5;
  private static final long FIRST_BACKOFF_MILLIS = 200;
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  /** The longest wait a backend may ask for between two attempts. */
  private static final long MAX_WAIT_MILLIS = 30_000;
  /** The tag of {@code ExportTraceServiceRequest.resource_spans}: field 1, length-delimited. */
  private static final byte RESOURCE_SPANS_TAG = 0x0A;

  /**
   * How much the forwarder holds and sends at once.
   *
   * @param queueSpans spans that may wait to be sent; more are dropped (and counted)
   * @param requestSpans spans per export request, at most (a trace with more is split)
   * @param requestBytes bytes per export request, at most, unless one span is larger (4 MiB is
   *     what gRPC servers, Collectors among them, take by default)
   * @param senders requests in flight at once
   * @param requestTimeout how long one request may take
   * @param closeTimeout how long {@link #close} sends what is queued before it drops the rest
   */
  public record Settings(int queueSpans, int requestSpans, int requestBytes, int senders,
      Duration requestTimeout, Duration closeTimeout) {

    public static final Settings DEFAULTS = new Settings(100_000, 8_192, 4_000_000, 3,
        Duration.ofSeconds(10), Duration.ofSeconds(15));

    public Settings {
      if (requestSpans < 1 || queueSpans < requestSpans || requestBytes < 1 || senders < 1) {
        throw new IllegalArgumentException("forwarder settings out of range: queue " + queueSpans
            + " spans, requests of " + requestSpans + " spans and " + requestBytes + " bytes, "
            + senders + " senders");
      }
      if (requestTimeout.isNegative() || requestTimeout.isZero() || closeTimeout.isNegative()) {
        throw new IllegalArgumentException("forwarder timeouts must be positive");
      }
    }
  }

  private final URI endpoint;
  private final Metrics metrics;
  private final Settings settings;
  private final Transport transport;
  private final List<Thread> senders = new ArrayList<>();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition waiting = lock.newCondition();
  /** Guarded by {@link #lock}. */
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  /** Spans in {@link #queue}; guarded by {@link #lock}. */
  private long queuedSpans;
  /** Guarded by {@link #lock}: set by close(); no more spans are taken in. */
  private boolean closing;
  /** Guarded by {@link #lock}: set when close() gives up; senders stop. */
  private boolean abandoned;
  /** Taken by a sender and not counted yet. */
  private final Set<Batch> inFlight = ConcurrentHashMap.newKeySet();
  /** Released when close() gives up, waking senders waiting to retry. */
  private final CountDownLatch abandon = new CountDownLatch(1);

  /**
   * @param endpoint the OTLP/HTTP base URL ({@code http://host:4318}) or full traces URL, or
   *     {@code grpc://host:4317} for OTLP/gRPC
   */
  public Forwarder(String endpoint, Metrics metrics, Settings settings) {
    this(endpoint, metrics, settings, Clock.systemUTC());
  }

  /**
   * @param clock what an HTTP-date in a {@code Retry-After} header is measured against
   */
  Forwarder(String endpoint, Metrics metrics, Settings settings, Clock clock) {
    this.metrics = metrics;
    this.settings = settings;
    if (endpoint.startsWith("grpc://")) {
      URI uri = URI.create("http://" + endpoint.substring("grpc://".length()));
      this.endpoint = URI.create(endpoint);
      this.transport = new GrpcTransport(uri.getHost(), uri.getPort() < 0 ? 4317 : uri.getPort(),
          settings.requestTimeout());
    } else {
      String url = endpoint.endsWith("/v1/traces") ? endpoint
          : endpoint.replaceAll("/+$", "") + "/v1/traces";
      this.endpoint = URI.create(url);
      this.transport = new HttpTransport(this.endpoint, settings.requestTimeout(), clock);
    }
    for (int i = 0; i < settings.senders(); i++) {
      Thread sender = new Thread(this::run, "agentmeter-forwarder-" + i);
      sender.setDaemon(true);
      senders.add(sender);
    }
    senders.forEach(Thread::start);
  }

  /** Where spans go. */
  public URI endpoint() {
    return endpoint;
  }

  /** The transport, for tests. */
  Transport transport() {
    return transport;
  }

  /**
   * Queues spans to send; drops (and counts) those that do not fit, or all of them once closing.
   * The queue holds the spans' bytes as they are: they are checked and assembled on the senders.
   */
  void send(List<OutgoingSpan> spans) {
    if (spans.isEmpty()) {
      return;
    }
    List<Chunk> chunks = Chunk.split(spans, settings.requestSpans(), settings.requestBytes());
    long dropped = 0;
    lock.lock();
    try {
      for (Chunk chunk : chunks) {
        if (closing || queuedSpans + chunk.spans().length > settings.queueSpans()) {
          dropped += chunk.spans().length;
        } else {
          queue.add(chunk);
          queuedSpans += chunk.spans().length;
          waiting.signal();
        }
      }
    } finally {
      lock.unlock();
    }
    if (dropped > 0) {
      metrics.forwardDropped(dropped);
    }
  }

  private void run() {
    try {
      for (Batch batch; (batch = take()) != null; ) {
        try {
          deliver(batch);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "forwarding " + batch.spans + " spans failed; dropped", e);
        } finally {
          batch.drop(); // whatever is not counted yet
          inFlight.remove(batch);
        }
      }
    } catch (InterruptedException e) {
      // close() gave up: it counted what this sender held
    }
  }

  /** Everything waiting, up to a request's bounds; {@code null} once closed and empty. */
  private @Nullable Batch take() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty() && !closing && !abandoned) {
        waiting.await();
      }
      if (queue.isEmpty() || abandoned) {
        return null;
      }
      List<Chunk> taken = new ArrayList<>();
      int spans = 0;
      long bytes = 0;
      for (Chunk next; (next = queue.peek()) != null; ) {
        if (!taken.isEmpty() && (spans + next.spans().length > settings.requestSpans()
            || bytes + next.bytes() > settings.requestBytes())) {
          break;
        }
        queue.poll();
        taken.add(next);
        spans += next.spans().length;
        bytes += next.bytes();
      }
      queuedSpans -= spans;
      if (!queue.isEmpty()) {
        waiting.signal(); // more than a request's worth waits: another sender takes the rest
      }
      Batch batch = new Batch(taken, spans);
      inFlight.add(batch); // before the lock is let go: close() finds it queued or in flight
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private void deliver(Batch batch) {
    byte[] request = batch.assemble();
    if (batch.sendable == 0) {
      return;
    }
    long backoff = FIRST_BACKOFF_MILLIS;
    Attempt attempt = null;
    try {
      for (int n = 1; n <= MAX_ATTEMPTS; n++) {
        attempt = transport.export(request);
        if (attempt.result() == Result.ACCEPTED) {
          long rejected = Math.max(0, Math.min(attempt.rejected(), batch.sendable));
          if (rejected > 0) {
            LOG.warning("forward to " + endpoint + ": the backend rejected " + rejected + " of "
                + batch.sendable + " spans (" + attempt.detail() + "); counted as dropped");
          }
          metrics.forwarded(batch.take(batch.sendable - rejected));
          return;
        }
        if (attempt.result() == Result.REFUSED || n == MAX_ATTEMPTS) {
          break;
        }
        long wait = backoff;
        if (attempt.retryAfter() != null) {
          wait = Math.max(wait, Math.min(attempt.retryAfter().toMillis(), MAX_WAIT_MILLIS));
        }
        if (abandon.await(wait, TimeUnit.MILLISECONDS)) {
          return; // close() gave up and counted this batch
        }
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // close() gave up; the sender stops
      return;
    }
    LOG.warning("forward to " + endpoint + " failed (" + attempt.detail() + "); dropped "
        + batch.sendable + " spans");
  }

  /**
   * Stops taking spans, sends what is queued for at most {@link Settings#closeTimeout}, then counts
   * every span still queued or in flight as dropped (and logs how many).
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closing) {
        return;
      }
      closing = true;
      waiting.signalAll();
    } finally {
      lock.unlock();
    }
    long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
    boolean interrupted = false;
    try {
      for (Thread sender : senders) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    boolean queued;
    lock.lock();
    try {
      queued = !queue.isEmpty();
    } finally {
      lock.unlock();
    }
    if (queued || !inFlight.isEmpty() || senders.stream().anyMatch(Thread::isAlive)) {
      giveUp(); // also when a sender died and left spans behind
    }
    transport.close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void giveUp() {
    long queued = 0;
    lock.lock();
    try {
      abandoned = true;
      for (Chunk chunk : queue) {
        queued += chunk.spans().length;
      }
      queue.clear();
      queuedSpans = 0;
      waiting.signalAll();
    } finally {
      lock.unlock();
    }
    abandon.countDown();
    metrics.forwardDropped(queued);
    long sending = 0;
    for (Batch batch : inFlight) {
      sending += batch.drop();
    }
    senders.forEach(Thread::interrupt);
    if (queued + sending > 0) {
      LOG.warning("forwarder closing: " + endpoint + " did not take everything within "
          + settings.closeTimeout().toMillis() + " ms; dropped " + queued + " queued and "
          + sending + " in-flight spans");
    }
  }

  /**
   * Spans handed over together, at most a request's bounds.
   *
   * @param bytes the most the spans take in a request, their cost attributes added
   */
  private record Chunk(OutgoingSpan[] spans, long bytes) {

    static List<Chunk> split(List<OutgoingSpan> spans, int maxSpans, int maxBytes) {
      List<Chunk> chunks = new ArrayList<>(1);
      int from = 0;
      long bytes = 0;
      for (int i = 0; i < spans.size(); i++) {
        long size = spans.get(i).maxRequestBytes();
        if (i > from && (i - from == maxSpans || bytes + size > maxBytes)) {
          chunks.add(new Chunk(spans.subList(from, i).toArray(OutgoingSpan[]::new), bytes));
          from = i;
          bytes = 0;
        }
        bytes += size;
      }
      chunks.add(new Chunk(spans.subList(from, spans.size()).toArray(OutgoingSpan[]::new), bytes));
      return chunks;
    }
  }

  /**
   * What one sender took: its spans are counted once, whoever counts them first (the sender as it
   * learns their fate, or close() giving up).
   */
  private final class Batch {
    final List<Chunk> chunks;
    final int spans;
    /** Spans not counted yet. */
    private final AtomicInteger open;
    /** Spans in the assembled request. */
    int sendable;

    Batch(List<Chunk> chunks, int spans) {
      this.chunks = chunks;
      this.spans = spans;
      this.open = new AtomicInteger(spans);
    }

    /**
     * The export request: every span checked and with its cost attributes, framed as a
     * {@code resource_spans} field; a span a backend would not parse is counted as dropped.
     */
    byte[] assemble() {
      byte[][] parts = new byte[spans][];
      long size = 0;
      int n = 0;
      ForwardPayloads checker = new ForwardPayloads(); // checks a request's resource once
      for (Chunk chunk : chunks) {
        for (OutgoingSpan span : chunk.spans()) {
          try {
            byte[] part = checker.forwardable(span.payload(), span.attributeFields(), span.renamed());
            parts[n++] = part;
            size += 1 + CodedOutputStream.computeUInt32SizeNoTag(part.length) + part.length;
          } catch (InvalidProtocolBufferException e) {
            // stored and costed, but a part the receiver does not read (an attribute value, an
            // event) is malformed: this span cannot be sent on; the rest of its trace is
            LOG.log(Level.FINE, "span " + span.spanId() + " of trace " + span.traceId()
                + " cannot be forwarded", e);
            metrics.forwardDropped(take(1));
          }
        }
      }
      sendable = n;
      byte[] request = new byte[Math.toIntExact(size)];
      int at = 0;
      for (int i = 0; i < n; i++) {
        byte[] part = parts[i];
        request[at++] = RESOURCE_SPANS_TAG;
        int length = part.length;
        while ((length & ~0x7F) != 0) {
          request[at++] = (byte) ((length & 0x7F) | 0x80);
          length >>>= 7;
        }
        request[at++] = (byte) length;
        System.arraycopy(part, 0, request, at, part.length);
        at += part.length;
      }
      return request;
    }

    /** Up to {@code max} of the spans not counted yet, now counted by the caller. */
    int take(long max) {
      int before = open.getAndUpdate(o -> (int) (o - Math.min(o, max)));
      return (int) Math.min(before, max);
    }

    /** Counts the spans not counted yet as dropped; how many. */
    int drop() {
      int dropped = take(Integer.MAX_VALUE);
      if (dropped > 0) {
        metrics.forwardDropped(dropped);
      }
      return dropped;
    }
  }
}
