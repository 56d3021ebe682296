package io.agentmeter.javaagent.agents;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

import com.google.auto.service.AutoService;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agent roles with no code change: the methods named in {@code otel.instrumentation.agentmeter.agents}
 * run inside an {@code invoke_agent} span with the role current.
 */
@AutoService(InstrumentationModule.class)
public final class AgentMethodsInstrumentationModule extends InstrumentationModule {

  private static final Logger LOG = Logger.getLogger(AgentMethodsInstrumentationModule.class.getName());

  public AgentMethodsInstrumentationModule() {
    super("agentmeter-agents", "agentmeter");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    AgentMapping mapping = AgentMapping.configured();
    for (String problem : mapping.problems()) {
      LOG.warning("agentmeter: " + AgentMapping.PROPERTY + ": " + problem + "; skipped");
    }
    List<TypeInstrumentation> result = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> e : mapping.classes().entrySet()) {
      result.add(new Methods(e.getKey(), e.getValue().keySet().toArray(new String[0])));
    }
    return result;
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "io.agentmeter.javaagent.agents.AgentMapping",
        "io.agentmeter.javaagent.agents.AgentHelper",
        "io.agentmeter.javaagent.agents.AgentHelper$Open");
  }

  static final class Methods implements TypeInstrumentation {
    private final String type;
    private final String[] methods;

    Methods(String type, String[] methods) {
      this.type = type;
      this.methods = methods;
    }

    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named(type);
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(isMethod().and(namedOneOf(methods)).and(not(isAbstract())),
          AgentMethodsInstrumentationModule.class.getName() + "$AgentAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class AgentAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.Origin("#t") String type, @Advice.Origin("#m") String method,
        @Advice.This(optional = true) Object self) {
      return AgentHelper.enter(type, method, self);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object open, @Advice.Thrown Throwable error) {
      AgentHelper.exit(open, error);
    }
  }
}
