package io.agentmeter.javaagent.genai;

import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Google GenAI {@code Models#generateContent} as one GenAI span per call (the overloads delegate to
 * each other; the nested ones add nothing). A helper: it may use only the OpenTelemetry API,
 * google-genai and our other helpers.
 */
public final class GoogleGenAiHelper {

  private static final Logger LOG = Logger.getLogger(GoogleGenAiHelper.class.getName());

  private GoogleGenAiHelper() {}

  public static Object start(String model) {
    return LlmSpans.start("io.agentmeter.google-genai", "generate_content", "gcp.gemini", model);
  }

  public static void end(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    try {
      if (response instanceof GenerateContentResponse) {
        record(c.span, (GenerateContentResponse) response);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a google-genai response failed", e);
    }
    c.finish(error);
  }

  private static void record(Span span, GenerateContentResponse r) {
    r.modelVersion().ifPresent(v -> span.setAttribute(LlmSpans.RESPONSE_MODEL, v));
    r.responseId().ifPresent(v -> span.setAttribute(LlmSpans.RESPONSE_ID, v));
    if (!r.usageMetadata().isPresent()) {
      return;
    }
    GenerateContentResponseUsageMetadata u = r.usageMetadata().get();
    long thoughts = u.thoughtsTokenCount().orElse(0);
    u.promptTokenCount().ifPresent(n -> span.setAttribute(LlmSpans.INPUT_TOKENS, (long) n));
    // semconv output tokens include reasoning; Gemini counts thoughts apart from candidates
    if (u.candidatesTokenCount().isPresent() || thoughts > 0) {
      span.setAttribute(LlmSpans.OUTPUT_TOKENS, u.candidatesTokenCount().orElse(0) + thoughts);
    }
    u.cachedContentTokenCount().ifPresent(n -> span.setAttribute(LlmSpans.CACHE_READ_TOKENS, (long) n));
    u.thoughtsTokenCount().ifPresent(n -> span.setAttribute(LlmSpans.REASONING_TOKENS, (long) n));
  }
}
