package io.agentmeter.javaagent.langchain4j;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.google.auto.service.AutoService;
import io.agentmeter.javaagent.agents.AgentHelper;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agents of the LangChain4j agentic module ({@code AgenticServices}) as {@code invoke_agent} spans,
 * at the three places the module itself notifies its {@code AgentListener}s of an invocation: a
 * sub-agent run by a workflow or planner ({@code AgentInvoker#invoke}), an agent called on its own
 * ({@code AgentInvocationHandler#invokeStandaloneAgent}) and a workflow called from outside
 * ({@code PlannerBasedInvocationHandler#executeAgentMethod}). A nested workflow passes both the
 * first and the last; it is the same agent, so it opens one span. A plain-class agent's method that
 * is also in the method mapping opens no second span when the module calls it. Absent the module (it came with
 * langchain4j 1.x betas), the class-loader matcher keeps this inert.
 */
@AutoService(InstrumentationModule.class)
public final class LangChain4jAgenticInstrumentationModule extends InstrumentationModule {

  public LangChain4jAgenticInstrumentationModule() {
    super("agentmeter-langchain4j-agentic", "agentmeter-langchain4j", "agentmeter");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed("dev.langchain4j.agentic.internal.AgentInvoker",
        "dev.langchain4j.agentic.planner.AgentInstance");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new Invocation("dev.langchain4j.agentic.internal.AgentInvoker",
            named("invoke").and(not(isAbstract())).and(takesArguments(3))
                .and(takesArgument(0, named("dev.langchain4j.agentic.scope.DefaultAgenticScope"))),
            "$SubAgentAdvice"),
        new Invocation("dev.langchain4j.agentic.agent.AgentInvocationHandler",
            named("invokeStandaloneAgent").and(takesArguments(2))
                .and(takesArgument(0, named("java.lang.reflect.Method"))),
            "$InvokeAgentAdvice"),
        new Invocation("dev.langchain4j.agentic.internal.PlannerBasedInvocationHandler",
            named("executeAgentMethod").and(takesArguments(3))
                .and(takesArgument(1, named("java.lang.reflect.Method"))),
            "$InvokeAgentAdvice"));
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return Arrays.asList(
        "io.agentmeter.javaagent.agents.AgentMapping",
        "io.agentmeter.javaagent.agents.AgentHelper",
        "io.agentmeter.javaagent.agents.AgentHelper$Open",
        "io.agentmeter.javaagent.langchain4j.LangChain4jAgenticHelper");
  }

  static final class Invocation implements TypeInstrumentation {
    private final String type;
    private final ElementMatcher<? super MethodDescription> method;
    private final String advice;

    Invocation(String type, ElementMatcher<? super MethodDescription> method, String advice) {
      this.type = type;
      this.method = method;
      this.advice = advice;
    }

    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return named(type);
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(method,
          LangChain4jAgenticInstrumentationModule.class.getName() + advice);
    }
  }

  /** A sub-agent's invocation: {@code invoke(scope, target, arguments)} calls its method on target. */
  @SuppressWarnings("unused")
  public static final class SubAgentAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object agent, @Advice.Argument(1) Object target) {
      return LangChain4jAgenticHelper.enter(agent, target);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object open, @Advice.Thrown Throwable error) {
      AgentHelper.exit(open, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class InvokeAgentAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(@Advice.This Object agent) {
      return LangChain4jAgenticHelper.enter(agent, null);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object open, @Advice.Thrown Throwable error) {
      AgentHelper.exit(open, error);
    }
  }
}
