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
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Google GenAI {@code com.google.genai:google-genai}: {@code Models#generateContent} and
 * {@code Models#generateContentStream} (the span ends when the stream is exhausted or closed).
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
    return Arrays.asList(new ModelsInstrumentation(), new ResponseStreamInstrumentation());
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "io.agentmeter.javaagent.common.LlmCall",
        "io.agentmeter.javaagent.common.LlmSpans",
        "io.agentmeter.javaagent.common.LlmSpans$Call",
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
      transformer.applyAdviceToMethod(
          named("generateContent").and(isPublic()).and(takesArguments(3))
              .and(takesArgument(0, String.class)),
          GoogleGenAiInstrumentationModule.class.getName() + "$GenerateAdvice");
      transformer.applyAdviceToMethod(
          named("generateContentStream").and(isPublic()).and(takesArguments(3))
              .and(takesArgument(0, String.class)),
          GoogleGenAiInstrumentationModule.class.getName() + "$GenerateStreamAdvice");
    }
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
    public static Object onEnter(@Advice.Argument(0) String model) {
      return GoogleGenAiHelper.start(model);
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
  public static final class GenerateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Argument(0) String model) {
      return GoogleGenAiHelper.start(model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable error) {
      GoogleGenAiHelper.end(call, response, error);
    }
  }
}
