package io.agentmeter.javaagent.openai;

import com.openai.core.http.StreamResponse;
import io.agentmeter.javaagent.common.LlmCall;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Spliterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Injected into the application's class loader: it may use only the OpenTelemetry API (from the
 * bootstrap loader), openai-java and itself. Every method swallows its own failures, so the
 * application sees exactly what it would see without us. Attribute keys are literals here because
 * helpers cannot see the extension's classes; a unit test checks them against the semconv module.
 */
public final class OpenAiHelper {

  private static final Logger LOG = Logger.getLogger(OpenAiHelper.class.getName());

  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> CACHE_READ_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  static final AttributeKey<Long> REASONING_TOKENS =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  static final AttributeKey<String> SERVICE_TIER = AttributeKey.stringKey("openai.response.service_tier");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private OpenAiHelper() {}

  /** A call in flight. */
  public static final class Call {
    final Span span;
    final Scope scope;
    final AtomicBoolean ended = new AtomicBoolean();
    boolean sawModel;

    Call(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }

    void observe(ChatCompletionChunk chunk) {
      try {
        if (!sawModel) {
          sawModel = true;
          span.setAttribute(RESPONSE_MODEL, chunk.model());
          span.setAttribute(RESPONSE_ID, chunk.id());
        }
        chunk.serviceTier().ifPresent(t -> span.setAttribute(SERVICE_TIER, t.asString()));
        chunk.usage().ifPresent(u -> usage(span, u));
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: reading a stream chunk failed", e);
      }
    }

    void finish(Throwable error) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      try {
        if (error != null) {
          fail(span, error);
        }
        span.end();
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: ending a span failed", e);
      }
    }
  }

  /** Starts the span of one chat completion, or returns {@code null} (nested call, or our failure). */
  public static Call start(Object params, boolean streaming) {
    try {
      String model = null;
      if (params instanceof ChatCompletionCreateParams) {
        model = ((ChatCompletionCreateParams) params).model().asString();
      }
      return start("chat", model);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading openai request parameters failed", e);
      return start("chat", null);
    }
  }

  /**
   * Starts the span of one call of {@code operation} ({@code chat}, {@code embeddings}), or returns
   * {@code null} (nested call, or our failure).
   */
  public static Call start(String operation, String model) {
    try {
      Context parent = Context.current();
      // One LLM call is one span: a call nested in another of our LLM spans adds nothing.
      if (LlmCall.active(parent)) {
        return null;
      }
      Tracer tracer = GlobalOpenTelemetry.getTracer("io.agentmeter.openai-java");
      Span span = tracer.spanBuilder(model == null ? operation : operation + " " + model)
          .setSpanKind(SpanKind.CLIENT)
          .setParent(parent)
          .setAttribute(OPERATION_NAME, operation)
          .setAttribute(PROVIDER_NAME, "openai")
          .setAttribute(REQUEST_MODEL, model)
          .startSpan();
      Scope scope = LlmCall.mark(parent.with(span)).makeCurrent();
      return new Call(span, scope);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: starting an openai span failed", e);
      return null;
    }
  }

  /** Ends a non-streaming call with its response or error. */
  public static void end(Object call, Object response, Throwable error) {
    boolean scopeOpen = call instanceof Call;
    if (call instanceof Ended) {
      call = ((Ended) call).call;
    }
    if (!(call instanceof Call)) {
      return;
    }
    Call c = (Call) call;
    try {
      if (scopeOpen) {
        c.scope.close();
      }
      if (response instanceof ChatCompletion) {
        ChatCompletion completion = (ChatCompletion) response;
        c.span.setAttribute(RESPONSE_MODEL, completion.model());
        c.span.setAttribute(RESPONSE_ID, completion.id());
        completion.serviceTier().ifPresent(t -> c.span.setAttribute(SERVICE_TIER, t.asString()));
        completion.usage().ifPresent(u -> usage(c.span, u));
      } else if (response != null) {
        OpenAiResponses.record(c.span, response);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading an openai response failed", e);
    }
    c.finish(error);
  }

  /** Ends an asynchronous call when its future completes; the application's future is untouched. */
  public static void endAsync(Object call, Object future, Throwable error) {
    if (!(call instanceof Call)) {
      return;
    }
    Call c = (Call) call;
    try {
      c.scope.close();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "agentmeter: closing a scope failed", e);
    }
    if (error != null || !(future instanceof java.util.concurrent.CompletableFuture)) {
      c.finish(error);
      return;
    }
    ((java.util.concurrent.CompletableFuture<?>) future).whenComplete((response, failure) -> {
      Throwable cause = failure instanceof java.util.concurrent.CompletionException
          && failure.getCause() != null ? failure.getCause() : failure;
      end(new Ended(c), response, cause);
    });
  }

  /** A call whose scope is already closed (ended on another thread). */
  static final class Ended {
    final Call call;

    Ended(Call call) {
      this.call = call;
    }
  }

  /**
   * For a streaming call: the stream the application gets, which ends the span when it is
   * exhausted or closed; on error, ends the span and returns the response untouched.
   */
  public static Object wrapStream(Object call, Object response, Throwable error) {
    if (!(call instanceof Call)) {
      return response;
    }
    Call c = (Call) call;
    try {
      c.scope.close();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "agentmeter: closing a scope failed", e);
    }
    if (error != null || !(response instanceof StreamResponse)) {
      c.finish(error);
      return response;
    }
    @SuppressWarnings("unchecked")
    StreamResponse<ChatCompletionChunk> stream = (StreamResponse<ChatCompletionChunk>) response;
    return new TracingStreamResponse(stream, c);
  }

  static void usage(Span span, CompletionUsage usage) {
    span.setAttribute(INPUT_TOKENS, usage.promptTokens());
    span.setAttribute(OUTPUT_TOKENS, usage.completionTokens());
    usage.promptTokensDetails().flatMap(d -> d.cachedTokens())
        .ifPresent(n -> span.setAttribute(CACHE_READ_TOKENS, n));
    usage.completionTokensDetails().flatMap(d -> d.reasoningTokens())
        .ifPresent(n -> span.setAttribute(REASONING_TOKENS, n));
  }

  static void fail(Span span, Throwable error) {
    span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
    span.setAttribute(ERROR_TYPE, error.getClass().getName());
    span.recordException(error);
  }

  /** The application's stream, observed: the span ends when it is exhausted or closed. */
  public static final class TracingStreamResponse implements StreamResponse<ChatCompletionChunk> {
    private final StreamResponse<ChatCompletionChunk> delegate;
    private final Call call;

    TracingStreamResponse(StreamResponse<ChatCompletionChunk> delegate, Call call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public Stream<ChatCompletionChunk> stream() {
      Stream<ChatCompletionChunk> original = delegate.stream();
      try {
        return StreamSupport.stream(new EndingSpliterator(original.spliterator(), call), false)
            .onClose(original::close);
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: wrapping a stream failed", e);
        return original;
      }
    }

    @Override
    public void close() {
      try {
        delegate.close();
      } finally {
        call.finish(null);
      }
    }
  }

  /** Passes chunks through, noting usage, and ends the span at the end of the stream. */
  public static final class EndingSpliterator implements Spliterator<ChatCompletionChunk> {
    private final Spliterator<ChatCompletionChunk> delegate;
    private final Call call;

    EndingSpliterator(Spliterator<ChatCompletionChunk> delegate, Call call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public boolean tryAdvance(Consumer<? super ChatCompletionChunk> action) {
      boolean advanced;
      try {
        advanced = delegate.tryAdvance(chunk -> {
          call.observe(chunk);
          action.accept(chunk);
        });
      } catch (RuntimeException | Error e) {
        call.finish(e);
        throw e;
      }
      if (!advanced) {
        call.finish(null);
      }
      return advanced;
    }

    @Override
    public Spliterator<ChatCompletionChunk> trySplit() {
      return null;
    }

    @Override
    public long estimateSize() {
      return delegate.estimateSize();
    }

    @Override
    public int characteristics() {
      return delegate.characteristics() & ~(Spliterator.SIZED | Spliterator.SUBSIZED);
    }
  }
}
