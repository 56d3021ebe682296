package io.agentmeter.javaagent.common;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What every LLM instrumentation of ours does with its span: start it as a GenAI CLIENT span
 * (unless one of ours is already current: one call, one span), make it current, record a failure,
 * end it once. A helper injected into the application's class loader, so it uses only the
 * OpenTelemetry API; attribute keys are literals, checked against the semconv module by a test.
 */
public final class LlmSpans {

  private static final Logger LOG = Logger.getLogger(LlmSpans.class.getName());

  public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  public static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  public static final AttributeKey<Long> CACHE_READ_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  public static final AttributeKey<Long> CACHE_CREATION_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
  public static final AttributeKey<Long> REASONING_TOKENS =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  public static final AttributeKey<String> SERVICE_TIER =
      AttributeKey.stringKey("openai.response.service_tier");
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private LlmSpans() {}

  /** What reads a response onto its call's span and ends it: a helper's {@code end}. */
  public interface Ending {
    void end(Object call, Object response, Throwable error);
  }

  /**
   * Ends an asynchronous call through {@code ending} when its future completes; the application's
   * future is untouched. A call that failed at once, or did not return a future, ends now.
   */
  public static void endWhenDone(Object call, Object future, Throwable error, Ending ending) {
    Call c = returned(call, future, error, CompletableFuture.class);
    if (c == null) {
      return;
    }
    ((CompletableFuture<?>) future).whenComplete((response, failure) -> ending.end(c, response, unwrap(failure)));
  }

  /**
   * Where every wrapping helper starts once the SDK has returned: the call's scope is exited, and
   * the call is given back to go on with (wrap {@code result}, or end later) only if the SDK
   * returned a {@code wraps} without failing. Otherwise ({@code null}) the span, if the call is
   * ours, has ended with the failure, and the helper returns {@code result} unchanged.
   */
  public static Call returned(Object call, Object result, Throwable error, Class<?> wraps) {
    if (!(call instanceof Call)) {
      return null;
    }
    Call c = (Call) call;
    c.exitScope();
    if (error != null || !wraps.isInstance(result)) {
      c.finish(error);
      return null;
    }
    return c;
  }

  /** The SDK's failure inside the {@link CompletionException} an async call wraps it in. */
  public static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }

  /** A call in flight: its span, and the scope that makes it current until the method returns. */
  public static final class Call {
    public final Span span;
    private final Scope scope;
    private final AtomicBoolean scopeClosed = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();

    Call(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }

    /** Leaves the span's scope (on the thread that entered it); idempotent. */
    public void exitScope() {
      if (scopeClosed.compareAndSet(false, true)) {
        try {
          scope.close();
        } catch (RuntimeException e) {
          LOG.log(Level.FINE, "agentmeter: closing a scope failed", e);
        }
      }
    }

    /** Records {@code error} (if any) and ends the span; only the first call counts. */
    public void finish(Throwable error) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      try {
        if (error != null) {
          span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
          span.setAttribute(ERROR_TYPE, error.getClass().getName());
          span.recordException(error);
        }
        span.end();
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: ending a span failed", e);
      }
    }
  }

  /**
   * Starts {@code "{operation} {model}"} and makes it current, or returns {@code null} when one of
   * our LLM spans is already current or anything fails.
   */
  public static Call start(String scopeName, String operation, String provider, String model) {
    try {
      Context parent = Context.current();
      if (LlmCall.active(parent)) {
        return null;
      }
      Span span = GlobalOpenTelemetry.getTracer(scopeName)
          .spanBuilder(model == null ? operation : operation + " " + model)
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAttribute(OPERATION_NAME, operation)
          .setAttribute(PROVIDER_NAME, provider)
          .setAttribute(REQUEST_MODEL, model)
          .startSpan();
      return new Call(span, LlmCall.mark(parent.with(span)).makeCurrent());
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: starting a span failed", e);
      return null;
    }
  }
}
