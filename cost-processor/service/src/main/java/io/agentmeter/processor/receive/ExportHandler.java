package io.agentmeter.processor.receive;

import io.agentmeter.processor.model.Batch;
import io.agentmeter.processor.otlp.SpanConverter;
import io.agentmeter.processor.otlp.DecodeException;

import io.agentmeter.processor.ingest.Ingestor;
import io.agentmeter.processor.metrics.Metrics;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What both receivers do with an export request's bytes: convert, note bad usage data, store
 * durably, and answer per the OTLP spec (partial success for rejected spans; unavailable when the
 * ledger is behind or failing, so the sender retries and nothing acknowledged is lost).
 */
public final class ExportHandler {

  private final Ingestor ingestor;
  private final Metrics metrics;
  private final long ackTimeoutMillis;
  private final boolean payloads;

  /**
   * @param payloads whether spans keep their own bytes while their trace is assembled (needed to
   *     forward them)
   */
  public ExportHandler(Ingestor ingestor, Metrics metrics, long ackTimeoutMillis,
      boolean payloads) {
    this.payloads = payloads;
    this.ingestor = ingestor;
    this.metrics = metrics;
    this.ackTimeoutMillis = ackTimeoutMillis;
  }

  /** The outcome of one export. */
  public sealed interface Outcome {}

  /** Stored; the response (possibly with partial success) to send. */
  public record Accepted(ExportTraceServiceResponse response) implements Outcome {}

  /** Not stored; retry later. */
  public record Unavailable(String message, int retryAfterSeconds) implements Outcome {}

  /**
   * Decodes, stores and answers one export.
   *
   * @param body a serialized {@code ExportTraceServiceRequest}: stored as it is
   * @throws DecodeException when {@code body} is not one
   */
  public Outcome handle(byte[] body) throws DecodeException {
    Batch batch = SpanConverter.convert(body, payloads);
    if (batch.rejected() > 0) {
      metrics.rejected("invalid_span", batch.rejected());
    }
    CompletableFuture<Integer> stored = batch.spans().isEmpty()
        ? CompletableFuture.completedFuture(0)
        : ingestor.submit(body, batch.spans());
    if (stored == null) {
      metrics.rejected("backpressure", batch.spans().size());
      return new Unavailable("the ledger is behind; retry later", 1);
    }
    try {
      stored.get(ackTimeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Stored later or not: the sender retries and the ledger drops the duplicate.
      return new Unavailable("the ledger did not confirm in time; retry", 1);
    } catch (ExecutionException e) {
      metrics.rejected("ledger_error", batch.spans().size());
      return new Unavailable("the ledger failed: " + e.getCause().getMessage(), 5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Unavailable("interrupted", 1);
    }
    ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
    if (batch.rejected() > 0 || !batch.problems().isEmpty()) {
      response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
          .setRejectedSpans(batch.rejected())
          .setErrorMessage(batch.message()));
    }
    return new Accepted(response.build());
  }
}
