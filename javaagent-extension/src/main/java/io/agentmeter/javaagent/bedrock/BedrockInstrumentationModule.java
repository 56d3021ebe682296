package io.agentmeter.javaagent.bedrock;

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
 * Bedrock Runtime's sync {@code converse}: the agent's own AWS SDK instrumentation makes the span
 * (one call, one span); this adds the prompt-cache tokens it leaves out (see {@link BedrockHelper}).
 */
@AutoService(InstrumentationModule.class)
public final class BedrockInstrumentationModule extends InstrumentationModule {

  static final String CLIENT = "software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient";
  static final String RESPONSE = "software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse";

  public BedrockInstrumentationModule() {
    super("agentmeter-bedrock", "agentmeter");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(CLIENT, RESPONSE,
        "software.amazon.awssdk.services.bedrockruntime.model.TokenUsage");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new Clients(), new ResponseBuilders());
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "io.agentmeter.javaagent.common.LlmCall",
        "io.agentmeter.javaagent.common.LlmSpans",
        "io.agentmeter.javaagent.common.LlmSpans$Call",
        "io.agentmeter.javaagent.common.LlmSpans$Ending",
        "io.agentmeter.javaagent.bedrock.BedrockHelper");
  }

  static final class Clients implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return implementsInterface(named(CLIENT)).and(not(isInterface()));
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          named("converse").and(takesArguments(1))
              .and(takesArgument(0, named("software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest"))),
          BedrockInstrumentationModule.class.getName() + "$ConverseAdvice");
    }
  }

  static final class ResponseBuilders implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named(RESPONSE + "$BuilderImpl");
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(named("build").and(takesArguments(0)),
          BedrockInstrumentationModule.class.getName() + "$BuildAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class ConverseAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter() {
      return BedrockHelper.enter();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object scope) {
      BedrockHelper.exit(scope);
    }
  }

  @SuppressWarnings("unused")
  public static final class BuildAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(@Advice.Return Object response) {
      BedrockHelper.response(response);
    }
  }
}
