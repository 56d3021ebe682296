package io.agentmeter.javaagent.openai;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** Advice on {@code ChatCompletionServiceImpl#create} and {@code #createStreaming}. */
final class ChatCompletionServiceInstrumentation implements TypeInstrumentation {

  private static final String PARAMS = "com.openai.models.chat.completions.ChatCompletionCreateParams";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("com.openai.services.blocking.chat.ChatCompletionServiceImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("create").and(takesArguments(2)).and(takesArgument(0, named(PARAMS))),
        ChatCompletionServiceInstrumentation.class.getName() + "$CreateAdvice");
    transformer.applyAdviceToMethod(
        named("createStreaming").and(takesArguments(2)).and(takesArgument(0, named(PARAMS))),
        ChatCompletionServiceInstrumentation.class.getName() + "$CreateStreamingAdvice");
  }

  @SuppressWarnings("unused")
  public static final class CreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.start(params, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return Object response,
        @Advice.Thrown Throwable error) {
      OpenAiHelper.end(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class CreateStreamingAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) Object params) {
      return OpenAiHelper.start(params, true);
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
