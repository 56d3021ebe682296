package io.agentmeter.processor.forward;

import io.agentmeter.processor.metrics.Metrics;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends costed spans on to an OTLP endpoint (Jaeger, Tempo, a Collector): OTLP/HTTP protobuf for
 * {@code http(s)://} URLs, OTLP/gRPC for {@code grpc://host:port}. A bounded queue
 * decouples it from ingest: a backend that is down never blocks receiving or the ledger; requests
 * are retried with backoff on the retryable OTLP codes, and when the queue is full or retries run
 * out the spans are dropped and counted.
 */
public final class Forwarder implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Forwarder.class.getName());
  private static final int MAX_ATTEMPTS = 5;

  private final URI endpoint;
  private final Metrics metrics;
  private final HttpClient client;
  private final io.grpc.ManagedChannel channel;
  private final TraceServiceGrpc.TraceServiceBlockingStub grpc;
  private final BlockingQueue<ExportTraceServiceRequest> queue;
  private final Thread sender;
  private volatile boolean running = true;

  /**
   * @param endpoint the OTLP/HTTP base URL ({@code http://host:4318}) or full traces URL, or
   *     {@code grpc://host:4317} for OTLP/gRPC
   * @param capacity requests that may wait before new ones are dropped
   */
  public Forwarder(String endpoint, Metrics metrics, int capacity) {
    this.metrics = metrics;
    if (endpoint.startsWith("grpc://")) {
      URI uri = URI.create("http://" + endpoint.substring("grpc://".length()));
      this.endpoint = URI.create(endpoint);
      this.client = null;
      this.channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
          .forAddress(uri.getHost(), uri.getPort() < 0 ? 4317 : uri.getPort())
          .usePlaintext()
          .build();
      this.grpc = TraceServiceGrpc.newBlockingStub(channel);
    } else {
      String url = endpoint.endsWith("/v1/traces") ? endpoint
          : endpoint.replaceAll("/+$", "") + "/v1/traces";
      this.endpoint = URI.create(url);
      this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      this.channel = null;
      this.grpc = null;
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.sender = new Thread(this::run, "agentmeter-forwarder");
    this.sender.setDaemon(true);
    this.sender.start();
  }

  /** Where spans go. */
  public URI endpoint() {
    return endpoint;
  }

  /** Queues spans to send; drops (and counts) them if the queue is full. */
  public void send(List<ResourceSpans> spans) {
    if (spans.isEmpty()) {
      return;
    }
    ExportTraceServiceRequest request =
        ExportTraceServiceRequest.newBuilder().addAllResourceSpans(spans).build();
    if (!queue.offer(request)) {
      metrics.forwardDropped(count(request));
    }
  }

  private void run() {
    while (running || !queue.isEmpty()) {
      ExportTraceServiceRequest request;
      try {
        request = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (request != null) {
        deliver(request);
      }
    }
  }

  private void deliver(ExportTraceServiceRequest request) {
    byte[] body = grpc == null ? request.toByteArray() : null;
    long backoffMillis = 200;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (grpc != null) {
        try {
          grpc.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).export(request);
          metrics.forwarded(count(request));
          return;
        } catch (io.grpc.StatusRuntimeException e) {
          io.grpc.Status.Code code = e.getStatus().getCode();
          if (code != io.grpc.Status.Code.UNAVAILABLE && code != io.grpc.Status.Code.RESOURCE_EXHAUSTED
              && code != io.grpc.Status.Code.DEADLINE_EXCEEDED && code != io.grpc.Status.Code.ABORTED) {
            LOG.warning("forward to " + endpoint + " refused with " + code + "; dropped");
            break;
          }
        }
      } else {
      try {
        HttpResponse<Void> response = client.send(
            HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
          metrics.forwarded(count(request));
          return;
        }
        if (status != 429 && status != 502 && status != 503 && status != 504) {
          LOG.warning("forward to " + endpoint + " refused with HTTP " + status + "; dropped");
          break;
        }
      } catch (IOException e) {
        LOG.log(Level.FINE, "forward attempt " + attempt + " failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      }
      if (!running) {
        break;
      }
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      backoffMillis = Math.min(backoffMillis * 2, 5_000);
    }
    metrics.forwardDropped(count(request));
  }

  private static long count(ExportTraceServiceRequest request) {
    long n = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (int i = 0; i < rs.getScopeSpansCount(); i++) {
        n += rs.getScopeSpans(i).getSpansCount();
      }
    }
    return n;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    sender.join(15_000);
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
