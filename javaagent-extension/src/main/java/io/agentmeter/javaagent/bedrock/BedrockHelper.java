package io.agentmeter.javaagent.bedrock;

import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.logging.Level;
import java.util.logging.Logger;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

/**
 * Adds Bedrock's prompt-cache token counts to the agent's own span of a sync {@code converse}
 * call, which has the other GenAI attributes but not these. {@link #enter} marks the context of
 * the call; the agent's AWS SDK instrumentation starts its span under that context and makes it
 * current while the response is read, so when the SDK builds the {@code ConverseResponse},
 * {@link #response} finds the span as the current one (any other current span, or a response built
 * outside a call, is left alone). Semconv counts cache tokens in {@code gen_ai.usage.input_tokens};
 * Bedrock's {@code inputTokens}, which the agent copies there when the span ends, does not, so the
 * extension's {@code BedrockUsageSpanProcessor} adds them in as the span ends. A helper: only the
 * OpenTelemetry API and the SDK's model classes; failures are logged at FINE.
 */
public final class BedrockHelper {

  private static final Logger LOG = Logger.getLogger(BedrockHelper.class.getName());
  private static final ContextKey<Span> CALL = ContextKey.named("agentmeter-bedrock-converse");

  private BedrockHelper() {}

  /** Marks the context of a {@code converse} call with the span current outside it. */
  public static Object enter() {
    try {
      Context current = Context.current();
      return current.with(CALL, Span.fromContext(current)).makeCurrent();
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: marking a bedrock call failed", e);
      return null;
    }
  }

  public static void exit(Object scope) {
    if (scope instanceof Scope) {
      try {
        ((Scope) scope).close();
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "agentmeter: closing a bedrock call's scope failed", e);
      }
    }
  }

  /** The SDK built a response: its cache tokens go on the call's span, if it is current. */
  public static void response(Object response) {
    try {
      Context current = Context.current();
      Span outside = current.get(CALL);
      Span span = Span.fromContext(current);
      if (outside == null || !(response instanceof ConverseResponse) || span == outside
          || !span.getSpanContext().isValid() || !span.isRecording()) {
        return;
      }
      TokenUsage usage = ((ConverseResponse) response).usage();
      if (usage == null) {
        return;
      }
      if (usage.cacheReadInputTokens() != null) {
        span.setAttribute(LlmSpans.CACHE_READ_TOKENS, (long) usage.cacheReadInputTokens());
      }
      if (usage.cacheWriteInputTokens() != null) {
        span.setAttribute(LlmSpans.CACHE_CREATION_TOKENS, (long) usage.cacheWriteInputTokens());
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a bedrock response failed", e);
    }
  }
}
