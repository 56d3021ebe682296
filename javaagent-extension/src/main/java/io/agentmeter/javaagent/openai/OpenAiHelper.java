package io.agentmeter.javaagent.openai;

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

  /** Starts the span of one chat completion, or returns {@code null} (nested call, or our failure). */
  public static Object start(Object params, boolean streaming) {
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
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    if (error != null || !(future instanceof CompletableFuture)) {
      c.finish(error);
      return;
    }
    ((CompletableFuture<?>) future).whenComplete((response, failure) -> end(c, response,
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure));
  }

  /**
   * For a streaming call: the stream the application gets, which ends the span when it is
   * exhausted or closed; on error, ends the span and returns the response untouched.
   */
  public static Object wrapStream(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return response;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    if (error != null || !(response instanceof StreamResponse)) {
      c.finish(error);
      return response;
    }
    @SuppressWarnings("unchecked")
    StreamResponse<ChatCompletionChunk> stream = (StreamResponse<ChatCompletionChunk>) response;
    return new TracingStreamResponse(stream, c);
  }

  /**
   * For {@code withRawResponse().create(...)} called by the application itself: the response it
   * gets, which records usage and ends the span when parsed, or ends it when closed. (The SDK's own
   * {@code create} goes through here too; then our outer span is current and this adds nothing.)
   */
  public static Object wrapRaw(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return response;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    if (error != null || !(response instanceof HttpResponseFor)) {
      c.finish(error);
      return response;
    }
    @SuppressWarnings("unchecked")
    HttpResponseFor<ChatCompletion> raw = (HttpResponseFor<ChatCompletion>) response;
    return new TracingRawResponse(raw, c);
  }

  static void usage(Span span, CompletionUsage usage) {
    span.setAttribute(LlmSpans.INPUT_TOKENS, usage.promptTokens());
    span.setAttribute(LlmSpans.OUTPUT_TOKENS, usage.completionTokens());
    usage.promptTokensDetails().flatMap(d -> d.cachedTokens())
        .ifPresent(n -> span.setAttribute(LlmSpans.CACHE_READ_TOKENS, n));
    usage.completionTokensDetails().flatMap(d -> d.reasoningTokens())
        .ifPresent(n -> span.setAttribute(LlmSpans.REASONING_TOKENS, n));
  }

  static void observe(LlmSpans.Call call, ChatCompletionChunk chunk, boolean first) {
    try {
      if (first) {
        call.span.setAttribute(LlmSpans.RESPONSE_MODEL, chunk.model());
        call.span.setAttribute(LlmSpans.RESPONSE_ID, chunk.id());
      }
      chunk.serviceTier().ifPresent(t -> call.span.setAttribute(LlmSpans.SERVICE_TIER, t.asString()));
      chunk.usage().ifPresent(u -> usage(call.span, u));
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a stream chunk failed", e);
    }
  }

  /** A raw response: parsing it records the usage and ends the span; so does closing it. */
  public static final class TracingRawResponse implements HttpResponseFor<ChatCompletion> {
    private final HttpResponseFor<ChatCompletion> delegate;
    private final LlmSpans.Call call;

    TracingRawResponse(HttpResponseFor<ChatCompletion> delegate, LlmSpans.Call call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public ChatCompletion parse() {
      ChatCompletion completion;
      try {
        completion = delegate.parse();
      } catch (RuntimeException | Error e) {
        call.finish(e);
        throw e;
      }
      end(call, completion, null);
      return completion;
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
  public static final class TracingStreamResponse implements StreamResponse<ChatCompletionChunk> {
    private final StreamResponse<ChatCompletionChunk> delegate;
    private final LlmSpans.Call call;

    TracingStreamResponse(StreamResponse<ChatCompletionChunk> delegate, LlmSpans.Call call) {
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
    private final LlmSpans.Call call;
    private boolean first = true;

    EndingSpliterator(Spliterator<ChatCompletionChunk> delegate, LlmSpans.Call call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public boolean tryAdvance(Consumer<? super ChatCompletionChunk> action) {
      boolean advanced;
      try {
        advanced = delegate.tryAdvance(chunk -> {
          observe(call, chunk, first);
          first = false;
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
