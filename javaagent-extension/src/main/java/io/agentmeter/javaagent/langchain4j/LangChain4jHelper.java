package io.agentmeter.javaagent.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import io.agentmeter.javaagent.common.LlmCall;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
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
  private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  private static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  private static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  private static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> CACHE_READ_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  private static final AttributeKey<Long> CACHE_CREATION_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
  private static final AttributeKey<Long> REASONING_TOKENS =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private LangChain4jHelper() {}

  /** A call in flight. */
  public static final class Call {
    final Span span;
    final Scope scope;
    final String provider;

    Call(Span span, Scope scope, String provider) {
      this.span = span;
      this.scope = scope;
      this.provider = provider;
    }
  }

  public static Object start(Object model, Object request) {
    try {
      Context parent = Context.current();
      if (LlmCall.active(parent)) {
        return null;
      }
      String provider = provider(model.getClass().getName());
      String requestModel = null;
      if (request instanceof ChatRequest) {
        requestModel = ((ChatRequest) request).modelName();
      }
      Span span = GlobalOpenTelemetry.getTracer("io.agentmeter.langchain4j")
          .spanBuilder(requestModel == null ? "chat" : "chat " + requestModel)
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAttribute(OPERATION_NAME, "chat")
          .setAttribute(PROVIDER_NAME, provider)
          .setAttribute(REQUEST_MODEL, requestModel)
          .startSpan();
      return new Call(span, LlmCall.mark(parent.with(span)).makeCurrent(), provider);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: starting a langchain4j span failed", e);
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
      if (response instanceof ChatResponse) {
        ChatResponse r = (ChatResponse) response;
        c.span.setAttribute(RESPONSE_MODEL, r.modelName());
        c.span.setAttribute(RESPONSE_ID, r.id());
        TokenUsage usage = r.tokenUsage();
        if (usage != null) {
          usage(c.span, usage, "anthropic".equals(c.provider));
        }
      }
      if (error != null) {
        c.span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
        c.span.setAttribute(ERROR_TYPE, error.getClass().getName());
        c.span.recordException(error);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a langchain4j response failed", e);
    }
    c.span.end();
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
      span.setAttribute(INPUT_TOKENS, input);
    }
    if (usage.outputTokenCount() != null) {
      span.setAttribute(OUTPUT_TOKENS, (long) usage.outputTokenCount());
    }
    Long read = cacheRead != null ? cacheRead : cached;
    if (read != null) {
      span.setAttribute(CACHE_READ_TOKENS, read);
    }
    if (cacheCreation != null) {
      span.setAttribute(CACHE_CREATION_TOKENS, cacheCreation);
    }
    if (reasoning != null) {
      span.setAttribute(REASONING_TOKENS, reasoning);
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
