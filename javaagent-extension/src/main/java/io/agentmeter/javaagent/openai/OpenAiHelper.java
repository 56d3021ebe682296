package io.agentmeter.javaagent.openai;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.Headers;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;
import java.io.InputStream;
import java.util.Optional;
import java.util.Spliterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Injected into the application's class loader: it may use only the OpenTelemetry API (from the
 * bootstrap loader), openai-java and our other helpers. Every method swallows its own failures,
 * so the application sees exactly what it would see without us.
 */
public final class OpenAiHelper {

  private static final Logger LOG = Logger.getLogger(OpenAiHelper.class.getName());
  static final String SCOPE = "io.agentmeter.openai-java";

  private OpenAiHelper() {}

  /**
   * Starts the span of a call, chosen by its parameters: chat completions, the Responses API or
   * embeddings (the last two in {@link OpenAiResponses}, so their classes are only linked when such
   * a call is made). Returns {@code null} for a nested call, or on our failure.
   */
  public static Object startCall(Object params) {
    String type = params == null ? "" : params.getClass().getName();
    if (type.equals("com.openai.models.responses.ResponseCreateParams")) {
      return OpenAiResponses.startResponse(params);
    }
    if (type.equals("com.openai.models.embeddings.EmbeddingCreateParams")) {
      return OpenAiResponses.startEmbeddings(params);
    }
    return startChat(params);
  }

  private static Object startChat(Object params) {
    String model = null;
    try {
      if (params instanceof ChatCompletionCreateParams) {
        model = ((ChatCompletionCreateParams) params).model().asString();
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading openai request parameters failed", e);
    }
    return LlmSpans.start(SCOPE, "chat", "openai", model);
  }

  /** Ends a call with its response (chat, Responses API or embeddings) or error. */
  public static void end(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    try {
      if (response instanceof ChatCompletion) {
        ChatCompletion completion = (ChatCompletion) response;
        c.span.setAttribute(LlmSpans.RESPONSE_MODEL, completion.model());
        c.span.setAttribute(LlmSpans.RESPONSE_ID, completion.id());
        completion.serviceTier().ifPresent(t -> c.span.setAttribute(LlmSpans.SERVICE_TIER, t.asString()));
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
    LlmSpans.endWhenDone(call, future, error, OpenAiHelper::end);
  }



  /**
   * For a streaming call: the stream the application gets, which ends the span when it is
   * exhausted or closed; on error, ends the span and returns the response untouched.
   */
  public static Object wrapStream(Object call, Object response, Throwable error) {
    return stream(call, response, error, call instanceof LlmSpans.Call
        ? new StreamObserver((LlmSpans.Call) call) : null);
  }

  /**
   * For an asynchronous streaming call: the stream the application subscribes to, which ends the
   * span when the stream completes (before the SDK completes {@code onCompleteFuture()}) or is
   * closed.
   */
  public static Object wrapAsyncStream(Object call, Object response, Throwable error) {
    return asyncStream(call, response, error, call instanceof LlmSpans.Call
        ? new StreamObserver((LlmSpans.Call) call) : null);
  }

  /** {@code response} wrapped so that {@code observer} sees every element and the span ends with it. */
  static Object stream(Object call, Object response, Throwable error, Consumer<Object> observer) {
    LlmSpans.Call c = LlmSpans.returned(call, response, error, StreamResponse.class);
    if (c == null) {
      return response;
    }
    return new TracingStreamResponse<>((StreamResponse<?>) response, c, observer);
  }

  /** The asynchronous form of {@link #stream}. */
  static Object asyncStream(Object call, Object response, Throwable error, Consumer<Object> observer) {
    LlmSpans.Call c = LlmSpans.returned(call, response, error, AsyncStreamResponse.class);
    if (c == null) {
      return response;
    }
    return new TracingAsyncStreamResponse<>((AsyncStreamResponse<?>) response, c, observer);
  }

  /**
   * For {@code withRawResponse().create(...)} called by the application itself: the response it
   * gets, which records usage and ends the span when parsed, or ends it when closed. (The SDK's own
   * {@code create} goes through here too; then our outer span is current and this adds nothing.)
   */
  public static Object wrapRaw(Object call, Object response, Throwable error) {
    return raw(call, response, error, false, null);
  }

  /**
   * For {@code withRawResponse().createStreaming(...)}: parsing the response gives the stream,
   * observed, whose end (or closing) ends the span; closing the response unparsed ends it too.
   */
  public static Object wrapRawStream(Object call, Object response, Throwable error) {
    return raw(call, response, error, true, call instanceof LlmSpans.Call
        ? new StreamObserver((LlmSpans.Call) call) : null);
  }

  /** The asynchronous form of {@link #wrapRaw}: the future completes with the wrapped response. */
  public static Object wrapRawAsync(Object call, Object future, Throwable error) {
    return rawAsync(call, future, error, false, null);
  }

  /** The asynchronous form of {@link #wrapRawStream}. */
  public static Object wrapRawAsyncStream(Object call, Object future, Throwable error) {
    return rawAsync(call, future, error, true, call instanceof LlmSpans.Call
        ? new StreamObserver((LlmSpans.Call) call) : null);
  }

  /** A raw response wrapped so that parsing or closing it ends the span (see {@link TracingRawResponse}). */
  static Object raw(Object call, Object response, Throwable error, boolean streaming, Consumer<Object> observer) {
    LlmSpans.Call c = LlmSpans.returned(call, response, error, HttpResponseFor.class);
    if (c == null) {
      return response;
    }
    return new TracingRawResponse<>((HttpResponseFor<?>) response, c, streaming, observer);
  }

  /**
   * An asynchronous raw call's future, relayed: the application's future completes with the same
   * failure, or with the raw response wrapped as in {@link #raw}; cancelling it cancels the SDK's.
   */
  static Object rawAsync(Object call, Object future, Throwable error, boolean streaming, Consumer<Object> observer) {
    LlmSpans.Call c = LlmSpans.returned(call, future, error, CompletableFuture.class);
    if (c == null) {
      return future;
    }
    CompletableFuture<?> original = (CompletableFuture<?>) future;
    CompletableFuture<Object> relayed;
    try {
      relayed = new CompletableFuture<>();
      relayed.whenComplete((value, failure) -> {
        if (relayed.isCancelled()) {
          original.cancel(false);
        }
      });
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: relaying an openai raw response failed", e);
      c.finish(null);
      return future;
    }
    original.whenComplete((value, failure) -> {
      if (failure != null) {
        c.finish(LlmSpans.unwrap(failure));
        relayed.completeExceptionally(failure);
        return;
      }
      Object response = value;
      try {
        response = raw(c, value, null, streaming, observer);
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: wrapping an openai raw response failed", e);
        c.finish(null);
      }
      relayed.complete(response);
    });
    return relayed;
  }

  static void usage(Span span, CompletionUsage usage) {
    span.setAttribute(LlmSpans.INPUT_TOKENS, usage.promptTokens());
    span.setAttribute(LlmSpans.OUTPUT_TOKENS, usage.completionTokens());
    usage.promptTokensDetails().flatMap(d -> d.cachedTokens())
        .ifPresent(n -> span.setAttribute(LlmSpans.CACHE_READ_TOKENS, n));
    usage.completionTokensDetails().flatMap(d -> d.reasoningTokens())
        .ifPresent(n -> span.setAttribute(LlmSpans.REASONING_TOKENS, n));
  }

  /**
   * Reads a stream's elements: a chat stream's first chunk gives the model and id and any chunk
   * with usage the usage; a Responses stream's events go to {@link OpenAiResponses#observe}.
   */
  static final class StreamObserver implements Consumer<Object> {
    private final LlmSpans.Call call;
    private boolean first = true;

    StreamObserver(LlmSpans.Call call) {
      this.call = call;
    }

    @Override
    public void accept(Object element) {
      if (!(element instanceof ChatCompletionChunk)) {
        OpenAiResponses.observe(call, element);
        return;
      }
      ChatCompletionChunk chunk = (ChatCompletionChunk) element;
      if (first) {
        first = false;
        call.span.setAttribute(LlmSpans.RESPONSE_MODEL, chunk.model());
        call.span.setAttribute(LlmSpans.RESPONSE_ID, chunk.id());
      }
      chunk.serviceTier().ifPresent(t -> call.span.setAttribute(LlmSpans.SERVICE_TIER, t.asString()));
      chunk.usage().ifPresent(u -> usage(call.span, u));
    }
  }

  /** Lets {@code observer} see {@code element}; what it throws is logged, never passed on. */
  static void observe(Consumer<Object> observer, Object element) {
    if (observer == null) {
      return;
    }
    try {
      observer.accept(element);
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a stream element failed", e);
    }
  }

  /**
   * A raw response: parsing it records the usage and ends the span (for a stream, it gives the
   * stream, observed, which ends the span with it); closing it ends the span too. The SDK parses
   * once and hands out the same value again; so do we, wrapped once.
   */
  public static final class TracingRawResponse<T> implements HttpResponseFor<T> {
    private final HttpResponseFor<T> delegate;
    private final LlmSpans.Call call;
    private final boolean streaming;
    private final Consumer<Object> observer;
    private final Object lock = new Object();
    private Object parsed;
    private T wrapped;

    TracingRawResponse(HttpResponseFor<T> delegate, LlmSpans.Call call, boolean streaming, Consumer<Object> observer) {
      this.delegate = delegate;
      this.call = call;
      this.streaming = streaming;
      this.observer = observer;
    }

    @Override
    public T parse() {
      T value;
      try {
        value = delegate.parse();
      } catch (RuntimeException | Error e) {
        call.finish(e);
        throw e;
      }
      if (!streaming) {
        end(call, value, null);
        return value;
      }
      return observed(value);
    }

    @SuppressWarnings("unchecked")
    private T observed(T value) {
      try {
        if (!(value instanceof StreamResponse)) {
          call.finish(null);
          return value;
        }
        synchronized (lock) {
          if (parsed != value) {
            parsed = value;
            wrapped = (T) new TracingStreamResponse<>((StreamResponse<?>) value, call, observer);
          }
          return wrapped;
        }
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: wrapping a raw stream failed", e);
        call.finish(null);
        return value;
      }
    }

    @Override
    public int statusCode() {
      return delegate.statusCode();
    }

    @Override
    public Headers headers() {
      return delegate.headers();
    }

    @Override
    public Optional<String> requestId() {
      return delegate.requestId();
    }

    @Override
    public InputStream body() {
      return delegate.body();
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

  /** The application's stream, observed: the span ends when it is exhausted or closed. */
  public static final class TracingStreamResponse<T> implements StreamResponse<T> {
    private final StreamResponse<T> delegate;
    private final LlmSpans.Call call;
    private final Consumer<Object> observer;

    TracingStreamResponse(StreamResponse<T> delegate, LlmSpans.Call call, Consumer<Object> observer) {
      this.delegate = delegate;
      this.call = call;
      this.observer = observer;
    }

    @Override
    public Stream<T> stream() {
      Stream<T> original = delegate.stream();
      try {
        return StreamSupport.stream(new EndingSpliterator<>(original.spliterator(), call, observer), false)
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

  /** Passes elements through, observing each, and ends the span at the end of the stream. */
  public static final class EndingSpliterator<T> implements Spliterator<T> {
    private final Spliterator<T> delegate;
    private final LlmSpans.Call call;
    private final Consumer<Object> observer;

    EndingSpliterator(Spliterator<T> delegate, LlmSpans.Call call, Consumer<Object> observer) {
      this.delegate = delegate;
      this.call = call;
      this.observer = observer;
    }

    @Override
    public boolean tryAdvance(Consumer<? super T> action) {
      boolean advanced;
      try {
        advanced = delegate.tryAdvance(element -> {
          observe(observer, element);
          action.accept(element);
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
    public Spliterator<T> trySplit() {
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

  /**
   * The application's asynchronous stream: its handler gets every element and the completion
   * unchanged, after we have observed them; the span ends at completion or when it is closed.
   */
  public static final class TracingAsyncStreamResponse<T> implements AsyncStreamResponse<T> {
    private final AsyncStreamResponse<T> delegate;
    private final LlmSpans.Call call;
    private final Consumer<Object> observer;

    TracingAsyncStreamResponse(AsyncStreamResponse<T> delegate, LlmSpans.Call call, Consumer<Object> observer) {
      this.delegate = delegate;
      this.call = call;
      this.observer = observer;
    }

    @Override
    public AsyncStreamResponse<T> subscribe(AsyncStreamResponse.Handler<? super T> handler) {
      delegate.subscribe(new ObservingHandler<T>(handler, call, observer));
      return this;
    }

    @Override
    public AsyncStreamResponse<T> subscribe(AsyncStreamResponse.Handler<? super T> handler, Executor executor) {
      delegate.subscribe(new ObservingHandler<T>(handler, call, observer), executor);
      return this;
    }

    @Override
    public CompletableFuture<Void> onCompleteFuture() {
      return delegate.onCompleteFuture();
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

  /** Observes each element, then hands it on; ends the span, then hands the completion on. */
  public static final class ObservingHandler<T> implements AsyncStreamResponse.Handler<T> {
    private final AsyncStreamResponse.Handler<? super T> handler;
    private final LlmSpans.Call call;
    private final Consumer<Object> observer;

    ObservingHandler(AsyncStreamResponse.Handler<? super T> handler, LlmSpans.Call call, Consumer<Object> observer) {
      this.handler = handler;
      this.call = call;
      this.observer = observer;
    }

    @Override
    public void onNext(T element) {
      observe(observer, element);
      handler.onNext(element);
    }

    @Override
    public void onComplete(Optional<Throwable> error) {
      call.finish(error == null ? null : LlmSpans.unwrap(error.orElse(null)));
      handler.onComplete(error);
    }
  }
}
