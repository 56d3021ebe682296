package io.agentmeter.javaagent.genai;

import com.google.genai.types.ContentEmbedding;
import com.google.genai.types.EmbedContentResponse;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Google GenAI {@code Models} and {@code AsyncModels} calls as one GenAI span each (the overloads
 * delegate to each other; the nested ones add nothing). A helper: it may use only the OpenTelemetry
 * API, google-genai and our other helpers.
 */
public final class GoogleGenAiHelper {

  private static final Logger LOG = Logger.getLogger(GoogleGenAiHelper.class.getName());

  private GoogleGenAiHelper() {}

  private static final String SCOPE = "io.agentmeter.google-genai";

  /** The provider of each {@code Models} / {@code AsyncModels} seen; weak, like the clients. */
  private static final java.util.Map<Object, String> PROVIDERS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** Starts the span of a {@code generateContent} call on {@code models} (or its async form). */
  public static Object start(Object models, String model) {
    return LlmSpans.start(SCOPE, "generate_content", provider(models), model);
  }

  /** Starts the span of an {@code embedContent} call on {@code models} (or its async form). */
  public static Object startEmbeddings(Object models, String model) {
    return LlmSpans.start(SCOPE, "embeddings", provider(models), model);
  }

  /**
   * {@code gcp.vertex_ai} when the client talks to Vertex AI, else {@code gcp.gemini} (the Gemini
   * Developer API): the two are priced apart. Read once per {@code Models} from its
   * package-private {@code apiClient} ({@code AsyncModels} has one, or reaches it through its
   * {@code models}).
   */
  static String provider(Object models) {
    if (models == null) {
      return "gcp.gemini";
    }
    String known = PROVIDERS.get(models);
    if (known != null) {
      return known;
    }
    String provider = "gcp.gemini";
    try {
      Object client = field(models, "apiClient");
      if (client == null) {
        client = field(field(models, "models"), "apiClient");
      }
      if (Boolean.TRUE.equals(field(client, "vertexAI"))) {
        provider = "gcp.vertex_ai";
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading the google-genai client's backend failed", e);
    }
    PROVIDERS.put(models, provider);
    return provider;
  }

  private static Object field(Object target, String name) throws IllegalAccessException {
    for (Class<?> c = target == null ? null : target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        java.lang.reflect.Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // declared further up, if at all
      }
    }
    return null;
  }

  public static void end(Object call, Object response, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    try {
      if (response instanceof GenerateContentResponse) {
        record(c.span, (GenerateContentResponse) response);
      } else if (response instanceof EmbedContentResponse) {
        record(c.span, (EmbedContentResponse) response);
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a google-genai response failed", e);
    }
    c.finish(error);
  }

  /** Ends an asynchronous call when its future completes; the application's future is untouched. */
  public static void endAsync(Object call, Object future, Throwable error) {
    LlmSpans.endWhenDone(call, future, error, GoogleGenAiHelper::end);
  }


  /**
   * After {@code AsyncModels#generateContentStream} returns: the future the application gets, which
   * completes with the same stream (or failure) once the stream is known to us, so that its
   * iterator is observed however soon the application asks for it.
   */
  public static Object asyncStreamStarted(Object call, Object future, Throwable error) {
    LlmSpans.Call c = LlmSpans.returned(call, future, error, CompletableFuture.class);
    if (c == null) {
      return future;
    }
    try {
      return ((CompletableFuture<?>) future).whenComplete((stream, failure) -> {
        try {
          streamStarted(c, stream, LlmSpans.unwrap(failure));
        } catch (RuntimeException | LinkageError e) {
          LOG.log(Level.FINE, "agentmeter: observing a google-genai stream failed", e);
        }
      });
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: observing a google-genai stream failed", e);
      c.finish(null);
      return future;
    }
  }


  /** Streams in flight, until exhausted or closed; weak, so an abandoned stream is not kept. */
  private static final java.util.Map<Object, LlmSpans.Call> STREAMS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** After {@code generateContentStream} returns: the span lives on with the stream. */
  public static void streamStarted(Object call, Object stream, Throwable error) {
    LlmSpans.Call c = LlmSpans.returned(call, stream, error, Object.class);
    if (c != null) {
      STREAMS.put(stream, c);
    }
  }

  /** The iterator the application gets: usage is read from each chunk, the span ends at the end. */
  public static Object iterator(Object stream, Object iterator) {
    LlmSpans.Call call = STREAMS.get(stream);
    if (call == null || !(iterator instanceof java.util.Iterator)) {
      return iterator;
    }
    return new ObservingIterator(stream, (java.util.Iterator<?>) iterator, call);
  }

  /** The stream was closed: the span ends (once). */
  public static void streamClosed(Object stream) {
    LlmSpans.Call call = STREAMS.remove(stream);
    if (call != null) {
      call.finish(null);
    }
  }

  /** Passes chunks through unchanged, recording the latest usage, ending the span when done. */
  public static final class ObservingIterator implements java.util.Iterator<Object> {
    private final Object stream;
    private final java.util.Iterator<?> delegate;
    private final LlmSpans.Call call;

    ObservingIterator(Object stream, java.util.Iterator<?> delegate, LlmSpans.Call call) {
      this.stream = stream;
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public boolean hasNext() {
      boolean more;
      try {
        more = delegate.hasNext();
      } catch (RuntimeException | Error e) {
        STREAMS.remove(stream);
        call.finish(e);
        throw e;
      }
      if (!more) {
        streamClosed(stream);
      }
      return more;
    }

    @Override
    public Object next() {
      Object chunk = delegate.next();
      try {
        if (chunk instanceof GenerateContentResponse) {
          record(call.span, (GenerateContentResponse) chunk);
        }
      } catch (RuntimeException | LinkageError e) {
        LOG.log(Level.FINE, "agentmeter: reading a google-genai chunk failed", e);
      }
      return chunk;
    }
  }

  /**
   * Vertex AI reports each embedding's input tokens (statistics.token_count); the Gemini Developer
   * API reports none, and then the span has no token count.
   */
  private static void record(Span span, EmbedContentResponse r) {
    if (!r.embeddings().isPresent()) {
      return;
    }
    double tokens = 0;
    boolean reported = false;
    for (ContentEmbedding embedding : r.embeddings().get()) {
      java.util.Optional<Float> count = embedding.statistics().flatMap(s -> s.tokenCount());
      if (count.isPresent()) {
        tokens += count.get();
        reported = true;
      }
    }
    if (reported) {
      span.setAttribute(LlmSpans.INPUT_TOKENS, Math.round(tokens));
    }
  }

  private static void record(Span span, GenerateContentResponse r) {
    r.modelVersion().ifPresent(v -> span.setAttribute(LlmSpans.RESPONSE_MODEL, v));
    r.responseId().ifPresent(v -> span.setAttribute(LlmSpans.RESPONSE_ID, v));
    if (!r.usageMetadata().isPresent()) {
      return;
    }
    GenerateContentResponseUsageMetadata u = r.usageMetadata().get();
    long thoughts = u.thoughtsTokenCount().orElse(0);
    u.promptTokenCount().ifPresent(n -> span.setAttribute(LlmSpans.INPUT_TOKENS, (long) n));
    // semconv output tokens include reasoning; Gemini counts thoughts apart from candidates
    if (u.candidatesTokenCount().isPresent() || thoughts > 0) {
      span.setAttribute(LlmSpans.OUTPUT_TOKENS, u.candidatesTokenCount().orElse(0) + thoughts);
    }
    u.cachedContentTokenCount().ifPresent(n -> span.setAttribute(LlmSpans.CACHE_READ_TOKENS, (long) n));
    u.thoughtsTokenCount().ifPresent(n -> span.setAttribute(LlmSpans.REASONING_TOKENS, (long) n));
  }
}
