package io.agentmeter.javaagent.openai;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Advice on openai-java's service implementations: chat completions ({@code create},
 * {@code createStreaming}, sync and async, and their raw responses), the Responses API (the same
 * eight) and embeddings.
 */
final class ChatCompletionServiceInstrumentation implements TypeInstrumentation {

  private static final String PARAMS = "com.openai.models.chat.completions.ChatCompletionCreateParams";
  private static final String RESPONSE_PARAMS = "com.openai.models.responses.ResponseCreateParams";
  private static final String EMBEDDING_PARAMS = "com.openai.models.embeddings.EmbeddingCreateParams";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("com.openai.services.blocking.chat.ChatCompletionServiceImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("create").and(takesArguments(2)).and(takesArgument(0, named(PARAMS))),
        ChatCompletionServiceInstrumentation.class.getName() + "$CallAdvice");
    transformer.applyAdviceToMethod(
        named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(PARAMS))),
        ChatCompletionServiceInstrumentation.class.getName() + "$CreateStreamingAdvice");
  }

  /**
   * Raw responses ({@code withRawResponse()}): {@code create} and {@code createStreaming} of chat
   * completions and of the Responses API, sync ({@code blocking}) or async. The SDK's own calls go
   * through these too, inside our span of the outer call: then they add nothing.
   */
  static final class Raw implements TypeInstrumentation {
    private final String type;
    private final String params;
    private final String createAdvice;
    private final String streamingAdvice;

    private Raw(String type, String params, String createAdvice, String streamingAdvice) {
      this.type = type;
      this.params = params;
      this.createAdvice = createAdvice;
      this.streamingAdvice = streamingAdvice;
    }

    static Raw chat() {
      return new Raw("com.openai.services.blocking.chat.ChatCompletionServiceImpl$WithRawResponseImpl",
          PARAMS, "RawCallAdvice", "RawCreateStreamingAdvice");
    }

    static Raw asyncChat() {
      return new Raw("com.openai.services.async.chat.ChatCompletionServiceAsyncImpl$WithRawResponseImpl",
          PARAMS, "AsyncRawCallAdvice", "AsyncRawCreateStreamingAdvice");
    }

    static Raw embeddings() {
      // embeddings have no streaming form: only the create advice ever applies
      return new Raw("com.openai.services.blocking.EmbeddingServiceImpl$WithRawResponseImpl",
          EMBEDDING_PARAMS, "RawCallAdvice", "RawCallAdvice");
    }

    static Raw asyncEmbeddings() {
      return new Raw("com.openai.services.async.EmbeddingServiceAsyncImpl$WithRawResponseImpl",
          EMBEDDING_PARAMS, "AsyncRawCallAdvice", "AsyncRawCallAdvice");
    }

    static Raw responses() {
      return new Raw("com.openai.services.blocking.ResponseServiceImpl$WithRawResponseImpl",
          RESPONSE_PARAMS, "RawCallAdvice", "RawCreateStreamingAdvice");
    }

    static Raw asyncResponses() {
      return new Raw("com.openai.services.async.ResponseServiceAsyncImpl$WithRawResponseImpl",
          RESPONSE_PARAMS, "AsyncRawCallAdvice", "AsyncRawCreateStreamingAdvice");
    }

    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named(type);
    }

    @Override
    public void transform(TypeTransformer transformer) {
      String prefix = ChatCompletionServiceInstrumentation.class.getName() + "$";
      transformer.applyAdviceToMethod(
          named("create").and(takesArguments(2)).and(takesArgument(0, named(params))),
          prefix + createAdvice);
      transformer.applyAdviceToMethod(
          named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(params))),
          prefix + streamingAdvice);
    }
  }

  /** A call whose method returns the response: the span ends with it. */
  @SuppressWarnings("unused")
  public static final class CallAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable error) {
      OpenAiHelper.end(call, response, error);
    }
  }

  /** A call whose method returns a future of the response: the span ends when it completes. */
  @SuppressWarnings("unused")
  public static final class AsyncCallAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object future, @Advice.Thrown Throwable error) {
      OpenAiHelper.endAsync(call, future, error);
    }
  }

  /** A {@code withRawResponse()} call: the span ends when the raw response is parsed or closed. */
  @SuppressWarnings("unused")
  public static final class RawCallAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable error) {
      response = OpenAiHelper.wrapRaw(call, response, error);
    }
  }

  /** An async {@code withRawResponse()} call: its future is relayed with the raw response wrapped. */
  @SuppressWarnings("unused")
  public static final class AsyncRawCallAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable error) {
      future = OpenAiHelper.wrapRawAsync(call, future, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class RawCreateStreamingAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable error) {
      response = OpenAiHelper.wrapRawStream(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncRawCreateStreamingAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable error) {
      future = OpenAiHelper.wrapRawAsyncStream(call, future, error);
    }
  }

  /** The Responses API: {@code ResponseServiceImpl#create}. */
  static final class Responses implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.openai.services.blocking.ResponseServiceImpl");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("create").and(takesArguments(2)).and(takesArgument(0, named(RESPONSE_PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$CallAdvice");
      transformer.applyAdviceToMethod(
          named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(RESPONSE_PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$CreateStreamingAdvice");
    }
  }

  /** The asynchronous Responses API: {@code ResponseServiceAsyncImpl#create} and {@code #createStreaming}. */
  static final class AsyncResponses implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.openai.services.async.ResponseServiceAsyncImpl");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("create").and(takesArguments(2)).and(takesArgument(0, named(RESPONSE_PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$AsyncCallAdvice");
      transformer.applyAdviceToMethod(
          named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(RESPONSE_PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$AsyncCreateStreamingAdvice");
    }
  }

  /** Embeddings: {@code EmbeddingServiceImpl#create}. */
  static final class Embeddings implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.openai.services.blocking.EmbeddingServiceImpl");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("create").and(takesArguments(2))
              .and(takesArgument(0, named(EMBEDDING_PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$CallAdvice");
    }
  }

  /** Asynchronous embeddings: {@code EmbeddingServiceAsyncImpl#create}; the span ends with its future. */
  static final class AsyncEmbeddings implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.openai.services.async.EmbeddingServiceAsyncImpl");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("create").and(takesArguments(2))
              .and(takesArgument(0, named(EMBEDDING_PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$AsyncCallAdvice");
    }
  }

  /** Asynchronous chat completions: {@code ChatCompletionServiceAsyncImpl#create} and {@code #createStreaming}. */
  static final class AsyncChat implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.openai.services.async.chat.ChatCompletionServiceAsyncImpl");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("create").and(takesArguments(2)).and(takesArgument(0, named(PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$AsyncCallAdvice");
      transformer.applyAdviceToMethod(
          named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(PARAMS))),
          ChatCompletionServiceInstrumentation.class.getName() + "$AsyncCreateStreamingAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncCreateStreamingAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable error) {
      response = OpenAiHelper.wrapAsyncStream(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class CreateStreamingAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.startCall(params);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable error) {
      response = OpenAiHelper.wrapStream(call, response, error);
    }
  }
}
