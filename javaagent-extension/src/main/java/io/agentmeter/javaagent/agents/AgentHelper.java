package io.agentmeter.javaagent.agents;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Injected into the application's class loader: opens an {@code invoke_agent {name}} span around a
 * mapped method and makes the agent current (in the context and in W3C baggage, so calls to other
 * services carry it). A mapped method called inside the same agent opens no second span. Failures
 * are swallowed and logged at FINE.
 */
public final class AgentHelper {

  private static final Logger LOG = Logger.getLogger(AgentHelper.class.getName());
  private static final ContextKey<String> CURRENT_AGENT = ContextKey.named("agentmeter-agent");
  /** The object a framework's agent invocation runs the agent's method on (a plain-class agent). */
  private static final ContextKey<Object> CURRENT_TARGET = ContextKey.named("agentmeter-agent-target");
  private static final Object NO_TARGET = new Object();
  private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  private static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  private static volatile AgentMapping mapping;

  private AgentHelper() {}

  /** An open agent span. */
  public static final class Open {
    final Span span;
    final Scope scope;

    Open(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }
  }

  /**
   * Opens the agent span of a mapped method, or returns {@code null} when it is not mapped or when
   * the method is the one a framework's agent invocation just called on {@code self} (then that
   * invocation's span is the agent's one span).
   */
  public static Object enter(String type, String method, Object self) {
    try {
      AgentMapping m = mapping;
      if (m == null) {
        m = AgentMapping.configured();
        mapping = m;
      }
      String agent = m.agentFor(type, method);
      if (agent == null || (self != null && self == Context.current().get(CURRENT_TARGET))) {
        return null;
      }
      return open(agent, "io.agentmeter.agents", null);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: opening an agent span failed", e);
      return null;
    }
  }

  /**
   * Opens {@code invoke_agent {agent}} under the current context with the agent current, or returns
   * {@code null} when that agent is already the current one (one invocation, one span: a mapped
   * method and a framework's own agent invocation of the same name make one span) or anything fails.
   * {@code target}, if not null, is the object the invocation calls the agent's method on.
   */
  public static Object open(String agent, String scopeName, Object target) {
    try {
      Context parent = Context.current();
      if (agent == null || agent.isEmpty() || agent.equals(parent.get(CURRENT_AGENT))) {
        return null;
      }
      Span span = GlobalOpenTelemetry.getTracer(scopeName)
          .spanBuilder("invoke_agent " + agent)
          .setSpanKind(SpanKind.INTERNAL)
          .setParent(parent)
          .setAttribute(OPERATION_NAME, "invoke_agent")
          .setAttribute(AGENT_NAME, agent)
          .startSpan();
      String baggageKey = System.getProperty("otel.instrumentation.agentmeter.baggage.agent-key",
          "gen_ai.agent.name");
      Baggage baggage = Baggage.fromContext(parent).toBuilder().put(baggageKey, agent).build();
      Context context = baggage.storeInContext(parent.with(span).with(CURRENT_AGENT, agent));
      // a nested agent's invocation replaces the outer one's target
      Scope scope = context.with(CURRENT_TARGET, target == null ? NO_TARGET : target).makeCurrent();
      return new Open(span, scope);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: opening an agent span failed", e);
      return null;
    }
  }

  public static void exit(Object open, Throwable error) {
    if (!(open instanceof Open)) {
      return;
    }
    Open o = (Open) open;
    try {
      o.scope.close();
      if (error != null) {
        o.span.setStatus(StatusCode.ERROR);
        o.span.setAttribute(ERROR_TYPE, error.getClass().getName());
        o.span.recordException(error);
      }
      o.span.end();
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: closing an agent span failed", e);
    }
  }
}
