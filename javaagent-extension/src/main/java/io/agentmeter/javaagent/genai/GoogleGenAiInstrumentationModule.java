package io.agentmeter.javaagent.genai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.google.auto.service.AutoService;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Google GenAI {@code com.google.genai:google-genai}: {@code generateContent},
 * {@code generateContentStream} (the span ends when the stream is exhausted or closed) and
 * {@code embedContent}, on {@code Models} and {@code AsyncModels}.
 */
@AutoService(InstrumentationModule.class)
public final class GoogleGenAiInstrumentationModule extends InstrumentationModule {

  public GoogleGenAiInstrumentationModule() {
    super("agentmeter-google-genai", "agentmeter");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed("com.google.genai.Models",
        "com.google.genai.types.GenerateContentResponseUsageMetadata");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new ModelsInstrumentation(), new AsyncModelsInstrumentation(),
        new ResponseStreamInstrumentation());
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "io.agentmeter.javaagent.common.LlmCall",
        "io.agentmeter.javaagent.common.LlmSpans",
        "io.agentmeter.javaagent.common.LlmSpans$Call",
        "io.agentmeter.javaagent.common.LlmSpans$Ending",
        "io.agentmeter.javaagent.genai.GoogleGenAiHelper",
        "io.agentmeter.javaagent.genai.GoogleGenAiHelper$ObservingIterator");
  }

  static final class ModelsInstrumentation implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.google.genai.Models");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(publicWithModel("generateContent"),
          GoogleGenAiInstrumentationModule.class.getName() + "$GenerateAdvice");
      transformer.applyAdviceToMethod(publicWithModel("generateContentStream"),
          GoogleGenAiInstrumentationModule.class.getName() + "$GenerateStreamAdvice");
      transformer.applyAdviceToMethod(publicWithModel("embedContent"),
          GoogleGenAiInstrumentationModule.class.getName() + "$EmbedAdvice");
    }
  }

  static final class AsyncModelsInstrumentation implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.google.genai.AsyncModels");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(publicWithModel("generateContent"),
          GoogleGenAiInstrumentationModule.class.getName() + "$AsyncGenerateAdvice");
      transformer.applyAdviceToMethod(publicWithModel("generateContentStream"),
          GoogleGenAiInstrumentationModule.class.getName() + "$AsyncGenerateStreamAdvice");
      transformer.applyAdviceToMethod(publicWithModel("embedContent"),
          GoogleGenAiInstrumentationModule.class.getName() + "$AsyncEmbedAdvice");
    }
  }

  /** The public {@code (String model, contents, config)} overloads of {@code name}. */
  static ElementMatcher.Junction<MethodDescription> publicWithModel(String name) {
    return named(name).and(isPublic()).and(takesArguments(3)).and(takesArgument(0, String.class));
  }

  static final class ResponseStreamInstrumentation implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named("com.google.genai.ResponseStream");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(named("iterator").and(takesArguments(0)),
          GoogleGenAiInstrumentationModule.class.getName() + "$IteratorAdvice");
      transformer.applyAdviceToMethod(named("close").and(takesArguments(0)),
          GoogleGenAiInstrumentationModule.class.getName() + "$CloseAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class GenerateStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object models, @Advice.Argument(0) String model) {
      return GoogleGenAiHelper.start(models, model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object stream, @Advice.Thrown Throwable error) {
      GoogleGenAiHelper.streamStarted(call, stream, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class IteratorAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object stream,
        @Advice.Return(readOnly = false, typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC) Object iterator) {
      iterator = GoogleGenAiHelper.iterator(stream, iterator);
    }
  }

  @SuppressWarnings("unused")
  public static final class CloseAdvice {
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Object stream) {
      GoogleGenAiHelper.streamClosed(stream);
    }
  }

  @SuppressWarnings("unused")
  public static final class EmbedAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object models, @Advice.Argument(0) String model) {
      return GoogleGenAiHelper.startEmbeddings(models, model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable error) {
      GoogleGenAiHelper.end(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncGenerateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object models, @Advice.Argument(0) String model) {
      return GoogleGenAiHelper.start(models, model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object future, @Advice.Thrown Throwable error) {
      GoogleGenAiHelper.endAsync(call, future, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncGenerateStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object models, @Advice.Argument(0) String model) {
      return GoogleGenAiHelper.start(models, model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable error) {
      future = GoogleGenAiHelper.asyncStreamStarted(call, future, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncEmbedAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object models, @Advice.Argument(0) String model) {
      return GoogleGenAiHelper.startEmbeddings(models, model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object future, @Advice.Thrown Throwable error) {
      GoogleGenAiHelper.endAsync(call, future, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class GenerateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object models, @Advice.Argument(0) String model) {
      return GoogleGenAiHelper.start(models, model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable error) {
      GoogleGenAiHelper.end(call, response, error);
    }
  }
}
