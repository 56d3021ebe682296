package io.agentmeter.javaagent.common;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

/**
 * The marker that makes one LLM call one span across our instrumentations: a framework span
 * (LangChain4j) and an SDK span (openai-java) of the same call. A helper injected into the
 * application's class loader, so every instrumentation there shares this one key.
 */
public final class LlmCall {

  private static final ContextKey<Object> IN_CALL = ContextKey.named("agentmeter-llm-call");

  private LlmCall() {}

  /** Whether an LLM span of ours is already current. */
  public static boolean active(Context context) {
    return context.get(IN_CALL) != null;
  }

  /** {@code context} marked as inside an LLM call. */
  public static Context mark(Context context) {
    return context.with(IN_CALL, Boolean.TRUE);
  }
}
