package io.agentmeter.javaagent.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;
import java.lang.reflect.Method;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A LangChain4j {@code ChatModel#doChat} call as one GenAI span, unless the call already runs
 * inside one of ours. A helper (see OpenAiHelper for the rules); provider-specific token details
 * (cached, reasoning) are read reflectively so only langchain4j-core is needed.
 */
public final class LangChain4jHelper {

  private static final Logger LOG = Logger.getLogger(LangChain4jHelper.class.getName());

  private LangChain4jHelper() {}

  public static Object start(Object model, Object request) {
    String requestModel = null;
    String provider = "langchain4j";
    try {
      provider = provider(model.getClass().getName());
      if (request instanceof ChatRequest) {
        requestModel = ((ChatRequest) request).modelName();
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a langchain4j request failed", e);
    }
    return LlmSpans.start("io.agentmeter.langchain4j", "chat", provider, requestModel);
  }

  public static void end(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    try {
      if (response instanceof ChatResponse) {
        ChatResponse r = (ChatResponse) response;
        c.span.setAttribute(LlmSpans.RESPONSE_MODEL, r.modelName());
        c.span.setAttribute(LlmSpans.RESPONSE_ID, r.id());
        TokenUsage usage = r.tokenUsage();
        if (usage != null) {
          usage(c.span, usage, usage.getClass().getName().toLowerCase(java.util.Locale.ROOT)
              .contains("anthropic"));
        }
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a langchain4j response failed", e);
    }
    c.finish(error);
  }

  private static void usage(Span span, TokenUsage usage, boolean anthropic) {
    Long cacheRead = number(usage, "cacheReadInputTokens");
    Long cacheCreation = number(usage, "cacheCreationInputTokens");
    Long cached = nested(usage, "inputTokensDetails", "cachedTokens");
    Long reasoning = nested(usage, "outputTokensDetails", "reasoningTokens");
    if (usage.inputTokenCount() != null) {
      long input = usage.inputTokenCount();
      // Anthropic reports input without cache tokens; semconv's input_tokens includes them.
      if (anthropic) {
        input += (cacheRead == null ? 0 : cacheRead) + (cacheCreation == null ? 0 : cacheCreation);
      }
      span.setAttribute(LlmSpans.INPUT_TOKENS, input);
    }
    if (usage.outputTokenCount() != null) {
      span.setAttribute(LlmSpans.OUTPUT_TOKENS, (long) usage.outputTokenCount());
    }
    Long read = cacheRead != null ? cacheRead : cached;
    if (read != null) {
      span.setAttribute(LlmSpans.CACHE_READ_TOKENS, read);
    }
    if (cacheCreation != null) {
      span.setAttribute(LlmSpans.CACHE_CREATION_TOKENS, cacheCreation);
    }
    if (reasoning != null) {
      span.setAttribute(LlmSpans.REASONING_TOKENS, reasoning);
    }
  }

  private static Long number(Object target, String method) {
    Object value = call(target, method);
    return value instanceof Number ? ((Number) value).longValue() : null;
  }

  private static Long nested(Object target, String first, String second) {
    Object inner = call(target, first);
    return inner == null ? null : number(inner, second);
  }

  private static Object call(Object target, String method) {
    try {
      Method m = target.getClass().getMethod(method);
      return m.invoke(target);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  static String provider(String className) {
    String n = className.toLowerCase(java.util.Locale.ROOT);
    if (n.contains("azureopenai")) {
      return "azure.ai.openai";
    }
    if (n.contains("openai")) {
      return "openai";
    }
    if (n.contains("anthropic")) {
      return "anthropic";
    }
    if (n.contains("vertexai")) {
      return "gcp.vertex_ai";
    }
    if (n.contains("gemini") || n.contains("googleai")) {
      return "gcp.gemini";
    }
    if (n.contains("mistral")) {
      return "mistral_ai";
    }
    if (n.contains("bedrock")) {
      return "aws.bedrock";
    }
    if (n.contains("ollama")) {
      return "ollama";
    }
    return "langchain4j";
  }
}
