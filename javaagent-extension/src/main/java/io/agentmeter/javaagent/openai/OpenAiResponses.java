package io.agentmeter.javaagent.openai;

import com.openai.models.ChatModel;
import com.openai.models.ResponsesModel;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import io.agentmeter.javaagent.common.LlmSpans;
import io.opentelemetry.api.trace.Span;

/**
 * The Responses API and embeddings, kept apart from {@link OpenAiHelper} so that a missing class in
 * an older SDK can only affect these calls. A helper: see {@link OpenAiHelper} for the rules.
 */
public final class OpenAiResponses {

  private OpenAiResponses() {}

  /** The span of a Responses API call. */
  public static Object startResponse(Object params) {
    String model = null;
    try {
      if (params instanceof ResponseCreateParams) {
        model = ((ResponseCreateParams) params).model().map(OpenAiResponses::name).orElse(null);
      }
    } catch (RuntimeException | LinkageError e) {
      model = null;
    }
    return LlmSpans.start(OpenAiHelper.SCOPE, "chat", "openai", model);
  }

  /** The span of an embeddings call. */
  public static Object startEmbeddings(Object params) {
    String model = null;
    try {
      if (params instanceof EmbeddingCreateParams) {
        model = ((EmbeddingCreateParams) params).model().asString();
      }
    } catch (RuntimeException | LinkageError e) {
      model = null;
    }
    return LlmSpans.start(OpenAiHelper.SCOPE, "embeddings", "openai", model);
  }

  /**
   * Reads one event of a Responses stream: {@code response.created} names the response and its
   * model; the final {@code response.completed} (or {@code response.incomplete},
   * {@code response.failed}) carries the whole response with its usage. Other elements are ignored.
   */
  static void observe(LlmSpans.Call call, Object element) {
    if (!(element instanceof ResponseStreamEvent)) {
      return;
    }
    ResponseStreamEvent event = (ResponseStreamEvent) element;
    if (event.isCreated()) {
      Response r = event.asCreated().response();
      call.span.setAttribute(LlmSpans.RESPONSE_MODEL, name(r.model()));
      call.span.setAttribute(LlmSpans.RESPONSE_ID, r.id());
    } else if (event.isCompleted()) {
      record(call.span, event.asCompleted().response());
    } else if (event.isIncomplete()) {
      record(call.span, event.asIncomplete().response());
    } else if (event.isFailed()) {
      record(call.span, event.asFailed().response());
    }
  }

  static void record(Span span, Object response) {
    if (response instanceof Response) {
      Response r = (Response) response;
      span.setAttribute(LlmSpans.RESPONSE_MODEL, name(r.model()));
      span.setAttribute(LlmSpans.RESPONSE_ID, r.id());
      r.serviceTier().ifPresent(t -> span.setAttribute(LlmSpans.SERVICE_TIER, t.asString()));
      if (r.usage().isPresent()) {
        ResponseUsage u = r.usage().get();
        span.setAttribute(LlmSpans.INPUT_TOKENS, u.inputTokens());
        span.setAttribute(LlmSpans.OUTPUT_TOKENS, u.outputTokens());
        span.setAttribute(LlmSpans.CACHE_READ_TOKENS, u.inputTokensDetails().cachedTokens());
        span.setAttribute(LlmSpans.REASONING_TOKENS, u.outputTokensDetails().reasoningTokens());
      }
    } else if (response instanceof CreateEmbeddingResponse) {
      CreateEmbeddingResponse r = (CreateEmbeddingResponse) response;
      span.setAttribute(LlmSpans.RESPONSE_MODEL, r.model());
      span.setAttribute(LlmSpans.INPUT_TOKENS, r.usage().promptTokens());
    }
  }

  static String name(ResponsesModel model) {
    if (model.string().isPresent()) {
      return model.string().get();
    }
    if (model.chat().isPresent()) {
      return model.chat().map(ChatModel::asString).get();
    }
    return model.only().map(m -> m.asString()).orElse(model.toString());
  }
}
