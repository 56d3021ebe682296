package io.agentmeter.javaagent.openai;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Advice on openai-java's service implementations: chat completions ({@code create},
 * {@code createStreaming}, sync and async, and their raw responses), the Responses API (the same
 * eight) and embeddings.
 */
final class ChatCompletionServiceInstrumentation {

  private static final String PARAMS = "com.openai.models.chat.completions.ChatCompletionCreateParams";
  private static final String RESPONSE_PARAMS = "com.openai.models.responses.ResponseCreateParams";
  private static final String EMBEDDING_PARAMS = "com.openai.models.embeddings.EmbeddingCreateParams";

  private static final String BLOCKING = "com.openai.services.blocking.";
  private static final String ASYNC = "com.openai.services.async.";

  private ChatCompletionServiceInstrumentation() {}

  /**
   * Every service method we instrument: chat completions, the Responses API and embeddings, sync
   * ({@code blocking}) and async, plain and raw ({@code withRawResponse()}). The SDK's own calls go
   * through the raw forms too, inside our span of the outer call: then they add nothing.
   */
  static List<TypeInstrumentation> all() {
    return List.of(
        new Service(BLOCKING + "chat.ChatCompletionServiceImpl", PARAMS, "CallAdvice", "CreateStreamingAdvice"),
        new Service(ASYNC + "chat.ChatCompletionServiceAsyncImpl", PARAMS, "AsyncCallAdvice",
            "AsyncCreateStreamingAdvice"),
        new Service(BLOCKING + "chat.ChatCompletionServiceImpl$WithRawResponseImpl", PARAMS, "RawCallAdvice",
            "RawCreateStreamingAdvice"),
        new Service(ASYNC + "chat.ChatCompletionServiceAsyncImpl$WithRawResponseImpl", PARAMS,
            "AsyncRawCallAdvice", "AsyncRawCreateStreamingAdvice"),
        new Service(BLOCKING + "ResponseServiceImpl", RESPONSE_PARAMS, "CallAdvice", "CreateStreamingAdvice"),
        new Service(ASYNC + "ResponseServiceAsyncImpl", RESPONSE_PARAMS, "AsyncCallAdvice",
            "AsyncCreateStreamingAdvice"),
        new Service(BLOCKING + "ResponseServiceImpl$WithRawResponseImpl", RESPONSE_PARAMS, "RawCallAdvice",
            "RawCreateStreamingAdvice"),
        new Service(ASYNC + "ResponseServiceAsyncImpl$WithRawResponseImpl", RESPONSE_PARAMS,
            "AsyncRawCallAdvice", "AsyncRawCreateStreamingAdvice"),
        // embeddings have no streaming form
        new Service(BLOCKING + "EmbeddingServiceImpl", EMBEDDING_PARAMS, "CallAdvice", null),
        new Service(ASYNC + "EmbeddingServiceAsyncImpl", EMBEDDING_PARAMS, "AsyncCallAdvice", null),
        new Service(BLOCKING + "EmbeddingServiceImpl$WithRawResponseImpl", EMBEDDING_PARAMS, "RawCallAdvice", null),
        new Service(ASYNC + "EmbeddingServiceAsyncImpl$WithRawResponseImpl", EMBEDDING_PARAMS,
            "AsyncRawCallAdvice", null));
  }

  /** One service class: its {@code create(params, options)} and {@code createStreaming(params, options)}. */
  static final class Service implements TypeInstrumentation {
    private final String type;
    private final String params;
    private final String createAdvice;
    private final String streamingAdvice;

    Service(String type, String params, String createAdvice, String streamingAdvice) {
      this.type = type;
      this.params = params;
      this.createAdvice = createAdvice;
      this.streamingAdvice = streamingAdvice;
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
      if (streamingAdvice != null) {
        transformer.applyAdviceToMethod(
            named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(params))),
            prefix + streamingAdvice);
      }
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
