package io.agentmeter.javaagent.langchain4j;

import io.agentmeter.javaagent.agents.AgentHelper;
import java.lang.reflect.Method;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An agent invocation of the LangChain4j agentic module as an {@code invoke_agent} span, named by
 * the agent's {@code AgentInstance#name()}. The name is read through the public
 * {@code AgentInstance} interface, reflectively, so the extension needs no agentic classes to build
 * and nothing is loaded where the module is absent. A helper: failures are logged at FINE and the
 * invocation goes on without a span.
 */
public final class LangChain4jAgenticHelper {

  private static final Logger LOG = Logger.getLogger(LangChain4jAgenticHelper.class.getName());
  static final String SCOPE = "io.agentmeter.langchain4j-agentic";
  private static volatile Method name;

  private LangChain4jAgenticHelper() {}

  /**
   * Opens the span of {@code agent}'s invocation (see {@link AgentHelper#open}); {@code target}, if
   * known, is the object whose method the invocation calls.
   */
  public static Object enter(Object agent, Object target) {
    try {
      Object n = nameMethod(agent).invoke(agent);
      return n instanceof String ? AgentHelper.open((String) n, SCOPE, target) : null;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a langchain4j agent's name failed", e);
      return null;
    }
  }

  private static Method nameMethod(Object agent) throws ReflectiveOperationException {
    Method m = name;
    if (m == null || !m.getDeclaringClass().isInstance(agent)) {
      m = Class.forName("dev.langchain4j.agentic.planner.AgentInstance", false,
          agent.getClass().getClassLoader()).getMethod("name");
      name = m;
    }
    return m;
  }
}
