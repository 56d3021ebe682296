package io.agentmeter.javaagent;

import io.agentmeter.semconv.GenAiAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.internal.ExtendedSpanProcessor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Makes {@code gen_ai.usage.input_tokens} of the agent's Bedrock spans include the prompt-cache
 * tokens, as semconv requires. The agent copies Bedrock's {@code inputTokens} (which leaves them
 * out) onto its span just before ending it, so this runs as the span ends ({@code onEnding}, the
 * SDK's hook for that, which the agents we test with, 2.31.1 and 2.33.1, have), and only on spans
 * the AWS SDK instrumentation made for {@code aws.bedrock} to which our Bedrock hook added cache
 * tokens. Never throws: a failure is logged at FINE and the span ends untouched.
 */
final class BedrockUsageSpanProcessor implements ExtendedSpanProcessor {

  // ExtendedSpanProcessor is internal to the SDK: AgentMeterCustomizerProvider checks that it is
  // there before it loads this class.
  private static final Logger LOG = Logger.getLogger(BedrockUsageSpanProcessor.class.getName());

  private static final AttributeKey<Long> INPUT = GenAiAttributes.USAGE_INPUT_TOKENS;
  private static final AttributeKey<Long> CACHE_READ = GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS;
  private static final AttributeKey<Long> CACHE_CREATION = GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS;

  @Override
  public void onEnding(ReadWriteSpan span) {
    try {
      if (!"aws.bedrock".equals(span.getAttribute(GenAiAttributes.PROVIDER_NAME))
          || !span.getInstrumentationScopeInfo().getName().startsWith("io.opentelemetry.aws-sdk")) {
        return;
      }
      Long input = span.getAttribute(INPUT);
      Long read = span.getAttribute(CACHE_READ);
      Long creation = span.getAttribute(CACHE_CREATION);
      if (input != null && (read != null || creation != null)) {
        span.setAttribute(INPUT, input + (read == null ? 0 : read) + (creation == null ? 0 : creation));
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: completing a Bedrock span's input tokens failed", e);
    }
  }

  @Override
  public boolean isOnEndingRequired() {
    return true;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
