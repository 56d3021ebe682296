package io.agentmeter.processor.receive;

import io.agentmeter.cost.pricing.SpanFacts;
import io.agentmeter.processor.ingest.Ingestor;
import io.agentmeter.semconv.GenAiAttributes;
import io.agentmeter.processor.metrics.Metrics;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * What both receivers do with a decoded export request: convert, note bad usage data, store
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

  private static final List<String> USAGE_KEYS = usageKeys();

  private static List<String> usageKeys() {
    List<String> keys = new ArrayList<>();
    keys.addAll(GenAiAttributes.USAGE_INPUT_TOKENS_READ);
    keys.addAll(GenAiAttributes.USAGE_OUTPUT_TOKENS_READ);
    keys.addAll(GenAiAttributes.USAGE_CACHE_READ_READ);
    keys.addAll(GenAiAttributes.USAGE_CACHE_CREATION_READ);
    keys.addAll(GenAiAttributes.USAGE_REASONING_READ);
    return List.copyOf(keys);
  }

  /**
   * A quick check of token counts for the sender's benefit; the cost engine's full reading decides
   * the span's status and reason when its trace is rolled up.
   */
  private static String usageProblem(java.util.Map<String, Object> attributes) {
    if (attributes.isEmpty()) {
      return null;
    }
    for (String key : USAGE_KEYS) {
      Object value = attributes.get(key);
      if (value == null) {
        continue;
      }
      if (!(value instanceof Long count)) {
        return key + " must be an integer, got " + describe(value);
      }
      if (count < 0 || count > SpanFacts.MAX_TOKENS) {
        return key + " = " + count + " is outside 0.." + SpanFacts.MAX_TOKENS;
      }
    }
    return null;
  }

  private static String describe(Object value) {
    String type = value instanceof String ? "string" : value instanceof Double ? "double"
        : value instanceof Boolean ? "boolean" : "array";
    return type + " " + (value instanceof String ? "'" + value + "'" : String.valueOf(value));
  }

  public Outcome handle(ExportTraceServiceRequest request) {
    return handle(request, null);
  }

  /**
   * @param body the request as it arrived in protobuf, or {@code null} to encode {@code request}
   */
  public Outcome handle(ExportTraceServiceRequest request, byte @Nullable [] body) {
    Batch batch = SpanConverter.convert(request, payloads);
    if (batch.rejected() > 0) {
      metrics.rejected("invalid_span", batch.rejected());
    }
    List<String> messages = new ArrayList<>(batch.problems());
    for (IncomingSpan span : batch.spans()) {
      if (messages.size() >= SpanConverter.MAX_PROBLEMS) {
        break;
      }
      String problem = usageProblem(span.record().attributes());
      if (problem != null) {
        messages.add("span " + span.record().spanId() + " accepted but unpriced: " + problem);
      }
    }
    CompletableFuture<Integer> stored = batch.spans().isEmpty()
        ? CompletableFuture.completedFuture(0)
        : ingestor.submit(body != null ? body : request.toByteArray(), batch.spans());
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
    if (batch.rejected() > 0 || !messages.isEmpty()) {
      response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
          .setRejectedSpans(batch.rejected())
          .setErrorMessage(String.join("; ", messages)));
    }
    return new Accepted(response.build());
  }
}
