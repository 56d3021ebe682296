package io.agentmeter.javaagent;

import io.agentmeter.semconv.AgentMeterAttributes;
import io.agentmeter.semconv.GenAiAttributes;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts agent, task and client on spans as they start, with the cost engine's precedence: the span's
 * own value, then the nearest enclosing span in this process that has one (an {@code invoke_agent}
 * span or anything inside it), then, for the service as a whole, the resource (which the cost
 * engine reads itself), then W3C baggage from upstream (copied to {@code agentmeter.baggage.*}, so
 * it never overrides the resource). Never throws: a failure is logged at FINE and the span goes on
 * untouched.
 */
final class AttributionSpanProcessor implements SpanProcessor {

  private static final Logger LOG = Logger.getLogger(AttributionSpanProcessor.class.getName());

  private final AgentMeterCustomizerProvider.Settings settings;

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
  public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
