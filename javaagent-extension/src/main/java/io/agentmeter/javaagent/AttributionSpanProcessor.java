package io.agentmeter.javaagent;

import io.agentmeter.semconv.AgentMeterAttributes;
import io.agentmeter.semconv.GenAiAttributes;
import io.agentmeter.semconv.GenAiAttributes.OperationNameValues;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts agent, task and client on spans as they start, with the cost engine's precedence: the span's
 * own value, then the nearest enclosing span in this process that has one (an {@code invoke_agent}
 * span or anything inside it), then, for the service as a whole, the resource (which the cost
 * engine reads itself), then W3C baggage from upstream (copied to {@code agentmeter.baggage.*}, so
 * it never overrides the resource). Two more facts the cost engine needs are put where it looks:
 * a model call started directly inside a span that names an {@code agentmeter.shared.resource}
 * (say, the application's vector-store lookup) takes that name, and an HTTP client span that is
 * not the first under one model call (the SDK retried the request, after a 429 say) gets
 * {@code http.request.resend_count}. Never throws: a failure is logged at FINE and the span goes
 * on untouched.
 */
final class AttributionSpanProcessor implements SpanProcessor {

  private static final Logger LOG = Logger.getLogger(AttributionSpanProcessor.class.getName());

  private static final AttributeKey<String> OPERATION_NAME = GenAiAttributes.OPERATION_NAME;
  private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<Long> RESEND_COUNT = GenAiAttributes.HTTP_REQUEST_RESEND_COUNT;

  private final AgentMeterCustomizerProvider.Settings settings;
  /** HTTP attempts so far under each model-call span still open, by its span id. */
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();

  AttributionSpanProcessor(AgentMeterCustomizerProvider.Settings settings) {
    this.settings = settings;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    try {
      Span parent = Span.fromContext(parentContext);
      ReadableSpan localParent = parent instanceof ReadableSpan ? (ReadableSpan) parent : null;
      inherit(span, localParent, GenAiAttributes.AGENT_NAME);
      inherit(span, localParent, AgentMeterAttributes.TASK_ID);
      inherit(span, localParent, AgentMeterAttributes.CLIENT_ID);
      if (localParent != null && isModelCall(localParent.getAttribute(OPERATION_NAME))) {
        countAttempt(span, localParent);
      }
      if (localParent != null && isModelCall(span.getAttribute(OPERATION_NAME))) {
        inherit(span, localParent, AgentMeterAttributes.SHARED_RESOURCE);
      }
      Baggage baggage = Baggage.fromContext(parentContext);
      if (!baggage.isEmpty()) {
        copy(span, baggage, settings.agentBaggageKey, AgentMeterAttributes.BAGGAGE_AGENT_NAME);
        copy(span, baggage, settings.taskBaggageKey, AgentMeterAttributes.BAGGAGE_TASK_ID);
        copy(span, baggage, settings.clientBaggageKey, AgentMeterAttributes.BAGGAGE_CLIENT_ID);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter attribution failed", e);
    }
  }

  private static void inherit(ReadWriteSpan span, ReadableSpan parent, AttributeKey<String> key) {
    if (parent == null || span.getAttribute(key) != null) {
      return;
    }
    String value = parent.getAttribute(key);
    if (value != null) {
      span.setAttribute(key, value);
    }
  }

  private void countAttempt(ReadWriteSpan span, ReadableSpan modelCall) {
    if (span.getKind() != SpanKind.CLIENT || span.getAttribute(HTTP_METHOD) == null) {
      return;
    }
    int attempt = attempts.merge(modelCall.getSpanContext().getSpanId(), 1, Integer::sum);
    if (attempt > 1 && span.getAttribute(RESEND_COUNT) == null) {
      span.setAttribute(RESEND_COUNT, (long) (attempt - 1));
    }
  }

  private static boolean isModelCall(String operation) {
    if (operation == null) {
      return false;
    }
    switch (operation) {
      case OperationNameValues.CHAT:
      case OperationNameValues.TEXT_COMPLETION:
      case OperationNameValues.GENERATE_CONTENT:
      case OperationNameValues.EMBEDDINGS:
        return true;
      default:
        return false;
    }
  }

  private static void copy(ReadWriteSpan span, Baggage baggage, String baggageKey,
      AttributeKey<String> attribute) {
    String value = baggage.getEntryValue(baggageKey);
    if (value != null && !value.isEmpty() && span.getAttribute(attribute) == null) {
      span.setAttribute(attribute, value);
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    try {
      if (!attempts.isEmpty()) {
        attempts.remove(span.getSpanContext().getSpanId());
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "agentmeter attribution failed", e);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
