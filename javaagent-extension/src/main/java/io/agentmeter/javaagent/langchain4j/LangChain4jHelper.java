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

  /** The span of an embedding model call ({@code doEmbed} or, in older versions, {@code embedAll}). */
  public static Object startEmbedding(Object model) {
    String provider = "langchain4j";
    String name = null;
    try {
      provider = provider(model.getClass().getName());
      Object n = call(model, "modelName");
      name = n instanceof String ? (String) n : null;
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a langchain4j embedding model failed", e);
    }
    return LlmSpans.start("io.agentmeter.langchain4j", "embeddings", provider, name);
  }

  /** Ends an embedding call: the response's model and input tokens, read reflectively. */
  public static void endEmbedding(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    try {
      if (response != null) {
        Object model = call(response, "modelName");
        if (model instanceof String) {
          c.span.setAttribute(LlmSpans.RESPONSE_MODEL, (String) model);
        }
        Object usage = call(response, "tokenUsage");
        if (usage instanceof TokenUsage && ((TokenUsage) usage).inputTokenCount() != null) {
          c.span.setAttribute(LlmSpans.INPUT_TOKENS, (long) ((TokenUsage) usage).inputTokenCount());
        }
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a langchain4j embedding response failed", e);
    }
    c.finish(error);
  }

  /**
   * For a streaming call: the handler the model gets instead of the application's, which passes
   * every callback on unchanged and ends the span at {@code onCompleteResponse} or {@code onError}.
   * A proxy, so it forwards every method of whichever handler interface version is present.
   */
  public static Object wrapHandler(Object call, Object handler) {
    if (!(call instanceof LlmSpans.Call) || handler == null) {
      return handler;
    }
    try {
      Class<?> type = Class.forName(
          "dev.langchain4j.model.chat.response.StreamingChatResponseHandler", false,
          handler.getClass().getClassLoader());
      return java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
          new HandlerProxy((LlmSpans.Call) call, handler));
    } catch (RuntimeException | LinkageError | ClassNotFoundException e) {
      LOG.log(Level.FINE, "agentmeter: wrapping a langchain4j handler failed", e);
      return handler;
    }
  }

  /** Leaves the span's scope when {@code doChat} returns; the span ends with the stream. */
  public static void exitStreaming(Object call, Throwable error) {
    if (call instanceof LlmSpans.Call) {
      LlmSpans.Call c = (LlmSpans.Call) call;
      c.exitScope();
      if (error != null) {
        c.finish(error);
      }
    }
  }

  /** Forwards every handler callback, ending the span on completion or error. */
  public static final class HandlerProxy implements java.lang.reflect.InvocationHandler {
    private final LlmSpans.Call call;
    private final Object delegate;

    HandlerProxy(LlmSpans.Call call, Object delegate) {
      this.call = call;
      this.delegate = delegate;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getDeclaringClass() == Object.class) {
        switch (method.getName()) {
          case "equals":
            return proxy == args[0];
          case "hashCode":
            return System.identityHashCode(proxy);
          default:
            return "agentmeter:" + delegate;
        }
      }
      try {
        String name = method.getName();
        if (name.equals("onCompleteResponse") && args != null && args.length == 1) {
          end(call, args[0], null);
        } else if (name.equals("onError") && args != null && args.length == 1
            && args[0] instanceof Throwable) {
          call.finish((Throwable) args[0]);
        }
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: observing a langchain4j callback failed", e);
      }
      try {
        return method.invoke(delegate, args);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw e.getCause();
      }
    }
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
