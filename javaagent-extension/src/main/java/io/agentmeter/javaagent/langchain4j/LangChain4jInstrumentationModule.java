package io.agentmeter.javaagent.langchain4j;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.google.auto.service.AutoService;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * LangChain4j chat, streaming chat and embedding models as GenAI spans, for providers whose calls do
 * not already go through an SDK we instrument (then the SDK's span is the one).
 */
@AutoService(InstrumentationModule.class)
public final class LangChain4jInstrumentationModule extends InstrumentationModule {

  public LangChain4jInstrumentationModule() {
    super("agentmeter-langchain4j", "agentmeter");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed("dev.langchain4j.model.chat.ChatModel",
        "dev.langchain4j.model.chat.request.ChatRequest");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new ChatModels(), new StreamingChatModels(), new EmbeddingModels());
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "io.agentmeter.javaagent.common.LlmCall",
        "io.agentmeter.javaagent.common.LlmSpans",
        "io.agentmeter.javaagent.common.LlmSpans$Call",
        "io.agentmeter.javaagent.common.LlmSpans$Ending",
        "io.agentmeter.javaagent.langchain4j.LangChain4jHelper",
        "io.agentmeter.javaagent.langchain4j.LangChain4jHelper$HandlerProxy");
  }

  static final class ChatModels implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return implementsInterface(named("dev.langchain4j.model.chat.ChatModel")).and(not(isInterface()));
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("doChat").and(takesArguments(1))
              .and(takesArgument(0, named("dev.langchain4j.model.chat.request.ChatRequest"))),
          LangChain4jInstrumentationModule.class.getName() + "$DoChatAdvice");
    }
  }

  static final class StreamingChatModels implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return implementsInterface(named("dev.langchain4j.model.chat.StreamingChatModel"))
          .and(not(isInterface()));
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("doChat").and(takesArguments(2))
              .and(takesArgument(0, named("dev.langchain4j.model.chat.request.ChatRequest")))
              .and(takesArgument(1,
                  named("dev.langchain4j.model.chat.response.StreamingChatResponseHandler"))),
          LangChain4jInstrumentationModule.class.getName() + "$StreamingDoChatAdvice");
    }
  }

  static final class EmbeddingModels implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return implementsInterface(named("dev.langchain4j.model.embedding.EmbeddingModel"))
          .and(not(isInterface()));
    }

    @Override
    public void transform(TypeTransformer transformer) {
      // 1.x releases moved the provider hook from embedAll(List) to doEmbed(EmbeddingRequest);
      // whichever a model declares is instrumented, and a nested call adds no second span.
      transformer.applyAdviceToMethod(
          named("doEmbed").and(takesArguments(1)).or(named("embedAll").and(takesArguments(1))
              .and(takesArgument(0, named("java.util.List")))),
          LangChain4jInstrumentationModule.class.getName() + "$EmbedAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class EmbedAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object model) {
      return LangChain4jHelper.startEmbedding(model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable error) {
      LangChain4jHelper.endEmbedding(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamingDoChatAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.This Object model,
        @Advice.Argument(0) Object request,
        @Advice.Argument(value = 1, readOnly = false, typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC) Object handler) {
      Object call = LangChain4jHelper.start(model, request);
      handler = LangChain4jHelper.wrapHandler(call, handler);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object call, @Advice.Thrown Throwable error) {
      LangChain4jHelper.exitStreaming(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class DoChatAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object model, @Advice.Argument(0) Object request) {
      return LangChain4jHelper.start(model, request);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable error) {
      LangChain4jHelper.end(call, response, error);
    }
  }
}
