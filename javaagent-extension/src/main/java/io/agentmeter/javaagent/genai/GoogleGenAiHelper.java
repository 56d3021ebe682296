package io.agentmeter.javaagent.genai;

import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Google GenAI {@code Models#generateContent} as one GenAI span per call (the overloads delegate to
 * each other; the nested ones add nothing). A helper: it may use only the OpenTelemetry API,
 * google-genai and our other helpers.
 */
public final class GoogleGenAiHelper {

  private static final Logger LOG = Logger.getLogger(GoogleGenAiHelper.class.getName());

  private GoogleGenAiHelper() {}

  public static Object start(String model) {
    return LlmSpans.start("io.agentmeter.google-genai", "generate_content", "gcp.gemini", model);
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
      }
    } catch (RuntimeException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: reading a google-genai response failed", e);
    }
    c.finish(error);
  }

  /** Streams in flight, until exhausted or closed; weak, so an abandoned stream is not kept. */
  private static final java.util.Map<Object, LlmSpans.Call> STREAMS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** After {@code generateContentStream} returns: the span lives on with the stream. */
  public static void streamStarted(Object call, Object stream, Throwable error) {
    if (!(call instanceof LlmSpans.Call)) {
      return;
    }
    LlmSpans.Call c = (LlmSpans.Call) call;
    c.exitScope();
    if (error != null || stream == null) {
      c.finish(error);
      return;
    }
    STREAMS.put(stream, c);
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
