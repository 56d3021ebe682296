package io.agentmeter.javaagent.genai;

import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import io.agentmeter.javaagent.common.LlmCall;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Google GenAI {@code Models#generateContent} as one GenAI span per call (the overloads delegate to
 * each other; the nested ones add nothing). A helper: see OpenAiHelper for the rules.
 */
public final class GoogleGenAiHelper {

  private static final Logger LOG = Logger.getLogger(GoogleGenAiHelper.class.getName());
  private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  private static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  private static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  private static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> CACHE_READ_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  private static final AttributeKey<Long> REASONING_TOKENS =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private GoogleGenAiHelper() {}

  /** A call in flight. */
  public static final class Call {
    final Span span;
    final Scope scope;

    Call(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }
  }

  public static Object start(String model) {
    try {
      Context parent = Context.current();
      if (LlmCall.active(parent)) {
        return null;
      }
      Span span = GlobalOpenTelemetry.getTracer("io.agentmeter.google-genai")
          .spanBuilder(model == null ? "generate_content" : "generate_content " + model)
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAttribute(OPERATION_NAME, "generate_content")
          .setAttribute(PROVIDER_NAME, "gcp.gemini")
          .setAttribute(REQUEST_MODEL, model)
          .startSpan();
      return new Call(span, LlmCall.mark(parent.with(span)).makeCurrent());
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: starting a google-genai span failed", e);
      return null;
    }
  }

  public static void end(Object call, Object response, Throwable error) {
    if (!(call instanceof Call)) {
      return;
    }
    Call c = (Call) call;
    try {
      c.scope.close();
      if (response instanceof GenerateContentResponse) {
        GenerateContentResponse r = (GenerateContentResponse) response;
        r.modelVersion().ifPresent(v -> c.span.setAttribute(RESPONSE_MODEL, v));
        r.responseId().ifPresent(v -> c.span.setAttribute(RESPONSE_ID, v));
        if (r.usageMetadata().isPresent()) {
          GenerateContentResponseUsageMetadata u = r.usageMetadata().get();
          long thoughts = u.thoughtsTokenCount().orElse(0);
          u.promptTokenCount().ifPresent(n -> c.span.setAttribute(INPUT_TOKENS, (long) n));
          // semconv output tokens include reasoning; Gemini counts thoughts apart from candidates
          if (u.candidatesTokenCount().isPresent() || thoughts > 0) {
            c.span.setAttribute(OUTPUT_TOKENS, u.candidatesTokenCount().orElse(0) + thoughts);
          }
          u.cachedContentTokenCount().ifPresent(n -> c.span.setAttribute(CACHE_READ_TOKENS, (long) n));
          u.thoughtsTokenCount().ifPresent(n -> c.span.setAttribute(REASONING_TOKENS, (long) n));
        }
      }
      if (error != null) {
        c.span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
        c.span.setAttribute(ERROR_TYPE, error.getClass().getName());
        c.span.recordException(error);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a google-genai response failed", e);
    }
    c.span.end();
  }
}
