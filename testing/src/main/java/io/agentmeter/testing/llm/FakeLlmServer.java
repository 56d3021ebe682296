package io.agentmeter.testing.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An offline LLM provider on one port, speaking the providers' own wire formats with the token
 * counts and failures of a {@link Scenario}:
 *
 * <ul>
 *   <li>OpenAI: {@code POST /v1/chat/completions} (JSON, or with {@code "stream": true} SSE chunks,
 *       the usage in the last), {@code /v1/responses} (JSON, or the Responses API's named events,
 *       the usage in {@code response.completed}), {@code /v1/embeddings};
 *   <li>Anthropic: {@code POST /v1/messages} (JSON or SSE events); prompt caching is played for
 *       real: a system prompt marked {@code cache_control} is written to the cache the first time
 *       and read after ({@code anthropic.cache.prefix} tokens);
 *   <li>Google Gemini Developer API: {@code POST /v1beta/models/{model}:generateContent},
 *       {@code :streamGenerateContent} (SSE), {@code :batchEmbedContents} (no token counts, as
 *       Gemini reports none for embeddings);
 *   <li>Vertex AI in express mode: {@code POST /v1beta1/publishers/google/models/{model}:predict}
 *       (text embeddings, a token count per instance);
 *   <li>Bedrock Runtime: {@code POST /model/{modelId}/converse} (JSON) and {@code /converse-stream}
 *       (AWS event stream).
 * </ul>
 *
 * Every answer's text is {@code answer from <requested model>} (a stream sends it in two parts);
 * response ids name the call: {@code chatcmpl-<model>}, {@code resp_<model>}, {@code msg_<model>},
 * {@code gem-<model>}, and for a stream {@code chatcmpl-stream-<model>}, {@code
 * resp_stream_<model>}, {@code msg_stream_<model>}, {@code gem-stream-<model>}. Errors come in the
 * provider's error format: 404 for a model no scenario line answers, 400 for a body that is not
 * JSON, the scripted status of a failing line.
 */
public final class FakeLlmServer implements AutoCloseable {

  /**
   * One request the fake answered.
   *
   * @param provider {@code openai}, {@code anthropic}, {@code gemini}, {@code vertex} or {@code bedrock}
   * @param operation the call, as a scenario line names it (such as {@code chat-stream} or {@code
   *     generateContent})
   * @param baggage the request's W3C {@code baggage} header, or empty
   */
  public record Call(String provider, String model, String operation, int status, String baggage) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> GEMINI_CALLS = Scenario.CALLS.get("gemini");
  private static final Set<String> BEDROCK_CALLS = Scenario.CALLS.get("bedrock");

  private final Scenario scenario;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, AtomicInteger> failed = new ConcurrentHashMap<>();
  private final Set<String> anthropicCache = ConcurrentHashMap.newKeySet();
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  /** What a request asks for, once its route has read it. */
  private record Request(HttpExchange exchange, String provider, String model, String operation, JsonNode body) {
    boolean stream() {
      return operation.endsWith("-stream") || operation.equals("streamGenerateContent");
    }
  }

  private interface Route {
    /** The request's model and call, or {@code null} after answering a request it cannot take. */
    Request read(HttpExchange exchange, JsonNode body) throws IOException;
  }

  private interface Answer {
    void send(Request request, Scenario.Model model) throws IOException;
  }

  private FakeLlmServer(Scenario scenario, String host, int port) throws IOException {
    this.scenario = scenario;
    // Headers and body go out as separate writes; without TCP_NODELAY each call waits ~40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    context("/v1/chat/completions", "openai", bodyModel("openai", "chat", true), this::openAiChat);
    context("/v1/responses", "openai", bodyModel("openai", "responses", true), this::openAiResponses);
    context("/v1/embeddings", "openai", bodyModel("openai", "embeddings", false), this::openAiEmbeddings);
    context("/v1/messages", "anthropic", bodyModel("anthropic", "messages", true), this::anthropicMessages);
    context("/v1beta/models/", "gemini", pathModel("gemini", "/v1beta/models/", ':', GEMINI_CALLS), this::gemini);
    context("/v1beta1/publishers/google/models/", "vertex",
        pathModel("vertex", "/v1beta1/publishers/google/models/", ':', Set.of("predict")), this::vertexPredict);
    context("/model/", "bedrock", pathModel("bedrock", "/model/", '/', BEDROCK_CALLS), this::bedrockConverse);
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "fake-llm");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
  }

  /** Starts the fake on {@code host:port} (0 for any free port). */
  public static FakeLlmServer start(Scenario scenario, String host, int port) throws IOException {
    return new FakeLlmServer(scenario, host, port);
  }

  /** Starts the fake on a free port of 127.0.0.1. */
  public static FakeLlmServer start(Scenario scenario) throws IOException {
    return start(scenario, "127.0.0.1", 0);
  }

  /** The base URL: OpenAI's SDKs add {@code /v1}, the others their own paths. */
  public String baseUrl() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  /** Every request answered so far, in order. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** Forgets the requests answered so far (scripted failures already played stay played). */
  public void clearCalls() {
    calls.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Routing, scripted failures, errors

  private void context(String path, String provider, Route route, Answer answer) {
    server.createContext(path, exchange -> {
      try {
        if (!exchange.getRequestMethod().equals("POST")) {
          error(exchange, provider, 405, "use POST");
          return;
        }
        JsonNode body;
        try {
          body = JSON.readTree(exchange.getRequestBody());
        } catch (IOException e) {
          error(exchange, provider, 400, "the body is not JSON: " + e.getMessage());
          return;
        }
        Request request = route.read(exchange, body == null ? JSON.createObjectNode() : body);
        if (request == null) {
          return;
        }
        Scenario.Model model = known(request);
        if (model != null) {
          answer.send(request, model);
        }
      } catch (RuntimeException e) {
        error(exchange, provider, 500, "the fake provider failed: " + e);
      } finally {
        exchange.close();
      }
    });
  }

  /** OpenAI and Anthropic: the model in the body, a stream when it says {@code "stream": true}. */
  private static Route bodyModel(String provider, String operation, boolean streams) {
    return (exchange, body) -> {
      boolean stream = streams && body.path("stream").asBoolean(false);
      return new Request(exchange, provider, body.path("model").asText(""), stream ? operation + "-stream" : operation,
          body);
    };
  }

  /** Gemini, Vertex AI, Bedrock: {@code <prefix><model><separator><call>} in the path. */
  private static Route pathModel(String provider, String prefix, char separator, Set<String> known) {
    return (exchange, body) -> {
      String rest = exchange.getRequestURI().getPath().substring(prefix.length());
      int at = rest.lastIndexOf(separator);
      String call = at < 0 ? "" : rest.substring(at + 1);
      if (at <= 0 || !known.contains(call)) {
        error(exchange, provider, 404, "the fake provider has no " + provider + " call '" + rest + "'");
        return null;
      }
      return new Request(exchange, provider, rest.substring(0, at), call, body);
    };
  }

  /** The scenario's line for the request, after recording it; {@code null} once an error is sent. */
  private Scenario.Model known(Request request) throws IOException {
    Scenario.Model model = scenario.model(request.provider(), request.model(), request.operation());
    if (model == null) {
      record(request, 404);
      error(request.exchange(), request.provider(), 404,
          "model '" + request.model() + "' does not exist on the fake provider");
      return null;
    }
    if (model.failures() > 0) {
      int n = failed.computeIfAbsent(model.line() + '\u0000' + request.model(), k -> new AtomicInteger())
          .getAndIncrement();
      if (n < model.failures()) {
        record(request, model.failStatus());
        request.exchange().getResponseHeaders().set("retry-after-ms", "20");
        error(request.exchange(), request.provider(), model.failStatus(),
            "scripted failure " + model.failStatus() + " for model '" + request.model() + "'");
        return null;
      }
    }
    record(request, 200);
    return model;
  }

  private void record(Request request, int status) {
    String baggage = request.exchange().getRequestHeaders().getFirst("baggage");
    calls.add(new Call(request.provider(), request.model(), request.operation(), status,
        baggage == null ? "" : baggage));
  }

  /** An error in the provider's own format. */
  private static void error(HttpExchange exchange, String provider, int status, String message) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    switch (provider) {
      case "anthropic" -> {
        body.put("type", "error");
        body.putObject("error").put("type", status == 429 ? "rate_limit_error" : status == 404 ? "not_found_error"
            : status >= 500 ? "api_error" : "invalid_request_error").put("message", message);
      }
      case "gemini", "vertex" -> body.putObject("error").put("code", status).put("message", message)
          .put("status", status == 429 ? "RESOURCE_EXHAUSTED" : status == 404 ? "NOT_FOUND"
              : status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT");
      case "bedrock" -> {
        exchange.getResponseHeaders().set("x-amzn-ErrorType", status == 429 ? "ThrottlingException"
            : status == 404 ? "ResourceNotFoundException" : status >= 500 ? "InternalServerException"
            : "ValidationException");
        body.put("message", message);
      }
      default -> {
        ObjectNode error = body.putObject("error");
        error.put("message", message).put("type", status == 429 ? "rate_limit_error"
            : status >= 500 ? "server_error" : "invalid_request_error");
        error.putNull("param");
        error.putNull("code");
      }
    }
    send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
  }

  // ---------------------------------------------------------------------------------------------
  // OpenAI

  private void openAiChat(Request request, Scenario.Model m) throws IOException {
    String served = m.servedAs(request.model());
    String reply = reply(request);
    ObjectNode usage = JSON.createObjectNode();
    usage.put("prompt_tokens", m.input());
    usage.put("completion_tokens", m.output());
    usage.put("total_tokens", m.input() + m.output());
    usage.putObject("prompt_tokens_details").put("cached_tokens", m.cached()).put("audio_tokens", 0);
    usage.putObject("completion_tokens_details").put("reasoning_tokens", m.reasoning()).put("audio_tokens", 0);
    if (request.stream()) {
      String id = "chatcmpl-stream-" + request.model();
      StringBuilder sse = new StringBuilder();
      for (String part : halves(reply)) {
        ObjectNode chunk = chatChunk(id, served);
        chunk.put("service_tier", "default");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta").put("content", part);
        choice.putNull("finish_reason");
        sse.append("data: ").append(JSON.writeValueAsString(chunk)).append("\n\n");
      }
      ObjectNode last = chatChunk(id, served);
      last.putArray("choices");
      last.set("usage", usage);
      sse.append("data: ").append(JSON.writeValueAsString(last)).append("\n\n");
      sse.append("data: [DONE]\n\n");
      sendText(request.exchange(), "text/event-stream", sse.toString());
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("id", "chatcmpl-" + request.model());
    body.put("object", "chat.completion");
    body.put("created", 1_700_000_000L);
    body.put("model", served);
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", reply);
    message.putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", "stop");
    body.set("usage", usage);
    body.put("service_tier", "default");
    body.put("system_fingerprint", "fp_fake");
    sendJson(request.exchange(), body);
  }

  private static ObjectNode chatChunk(String id, String served) {
    ObjectNode chunk = JSON.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", 1_700_000_000L);
    chunk.put("model", served);
    return chunk;
  }

  private void openAiResponses(Request request, Scenario.Model m) throws IOException {
    String served = m.servedAs(request.model());
    String reply = reply(request);
    ObjectNode usage = JSON.createObjectNode();
    usage.put("input_tokens", m.input());
    usage.putObject("input_tokens_details").put("cached_tokens", m.cached());
    usage.put("output_tokens", m.output());
    usage.putObject("output_tokens_details").put("reasoning_tokens", m.reasoning());
    usage.put("total_tokens", m.input() + m.output());
    if (!request.stream()) {
      sendJson(request.exchange(), response("resp_" + request.model(), served, "completed",
          outputMessage(reply, "completed"), usage));
      return;
    }
    // The Responses API's stream: named events, each carrying its type and sequence number; no
    // [DONE]; the usage comes only with the whole response in response.completed.
    String id = "resp_stream_" + request.model();
    String[] parts = halves(reply);
    StringBuilder sse = new StringBuilder();
    int sequence = 0;
    sequence = responseEvent(sse, sequence, "response.created",
        e -> e.set("response", response(id, served, "in_progress", null, null)));
    sequence = responseEvent(sse, sequence, "response.in_progress",
        e -> e.set("response", response(id, served, "in_progress", null, null)));
    sequence = responseEvent(sse, sequence, "response.output_item.added",
        e -> e.put("output_index", 0).set("item", outputMessage("", "in_progress")));
    sequence = responseEvent(sse, sequence, "response.content_part.added",
        e -> textPart(e).set("part", outputText("")));
    for (String part : parts) {
      sequence = responseEvent(sse, sequence, "response.output_text.delta",
          e -> textPart(e).put("delta", part).putArray("logprobs"));
    }
    sequence = responseEvent(sse, sequence, "response.output_text.done",
        e -> textPart(e).put("text", reply).putArray("logprobs"));
    sequence = responseEvent(sse, sequence, "response.content_part.done",
        e -> textPart(e).set("part", outputText(reply)));
    sequence = responseEvent(sse, sequence, "response.output_item.done",
        e -> e.put("output_index", 0).set("item", outputMessage(reply, "completed")));
    responseEvent(sse, sequence, "response.completed",
        e -> e.set("response", response(id, served, "completed", outputMessage(reply, "completed"), usage)));
    sendText(request.exchange(), "text/event-stream", sse.toString());
  }

  private interface Fields {
    void add(ObjectNode event);
  }

  private static int responseEvent(StringBuilder sse, int sequence, String type, Fields fields)
      throws IOException {
    ObjectNode event = JSON.createObjectNode();
    event.put("type", type);
    event.put("sequence_number", sequence);
    fields.add(event);
    sse.append("event: ").append(type).append("\ndata: ").append(JSON.writeValueAsString(event)).append("\n\n");
    return sequence + 1;
  }

  private static ObjectNode textPart(ObjectNode event) {
    return event.put("item_id", "msg_s").put("output_index", 0).put("content_index", 0);
  }

  private static ObjectNode outputText(String text) {
    ObjectNode part = JSON.createObjectNode();
    part.put("type", "output_text").put("text", text).putArray("annotations");
    return part;
  }

  /** A Responses API response object; {@code output} is one message item or none. */
  private static ObjectNode response(String id, String model, String status, ObjectNode output, ObjectNode usage) {
    ObjectNode r = JSON.createObjectNode();
    r.put("id", id);
    r.put("object", "response");
    r.put("created_at", 1_700_000_000L);
    r.put("status", status);
    r.put("model", model);
    if (output == null) {
      r.putArray("output");
    } else {
      r.putArray("output").add(output);
    }
    r.put("parallel_tool_calls", true);
    r.put("tool_choice", "auto");
    r.putArray("tools");
    r.put("temperature", 1.0);
    r.put("top_p", 1.0);
    r.putNull("error");
    r.putNull("incomplete_details");
    r.putNull("instructions");
    r.putObject("metadata");
    if (usage == null) {
      r.putNull("usage");
    } else {
      r.set("usage", usage);
    }
    r.put("service_tier", "default");
    return r;
  }

  private static ObjectNode outputMessage(String text, String status) {
    ObjectNode item = JSON.createObjectNode();
    item.put("type", "message").put("id", "msg_s").put("status", status).put("role", "assistant");
    if (text.isEmpty()) {
      item.putArray("content");
    } else {
      item.putArray("content").add(outputText(text));
    }
    return item;
  }

  private void openAiEmbeddings(Request request, Scenario.Model m) throws IOException {
    JsonNode input = request.body().path("input");
    int count = input.isArray() ? input.size() : 1;
    ObjectNode body = JSON.createObjectNode();
    body.put("object", "list");
    ArrayNode data = body.putArray("data");
    for (int i = 0; i < count; i++) {
      ObjectNode e = data.addObject();
      e.put("object", "embedding");
      e.put("index", i);
      e.putArray("embedding").add(0.1).add(0.2).add(0.3);
    }
    body.put("model", m.servedAs(request.model()));
    body.putObject("usage").put("prompt_tokens", m.input()).put("total_tokens", m.input());
    sendJson(request.exchange(), body);
  }

  // ---------------------------------------------------------------------------------------------
  // Anthropic

  private void anthropicMessages(Request request, Scenario.Model m) throws IOException {
    long cacheWrite = m.written();
    long cacheRead = m.cached();
    String cachedPrefix = cachedSystemPrompt(request.body().path("system"));
    if (cachedPrefix != null) {
      if (anthropicCache.add(request.model() + '\u0000' + cachedPrefix)) {
        cacheWrite += scenario.anthropicCachePrefix();
      } else {
        cacheRead += scenario.anthropicCachePrefix();
      }
    }
    String served = m.servedAs(request.model());
    String reply = reply(request);
    ObjectNode usage = JSON.createObjectNode();
    usage.put("input_tokens", m.input());
    usage.put("cache_creation_input_tokens", cacheWrite);
    usage.put("cache_read_input_tokens", cacheRead);
    usage.put("output_tokens", m.output());
    if (!request.stream()) {
      ObjectNode body = anthropicMessage("msg_" + request.model(), served, usage);
      body.putArray("content").addObject().put("type", "text").put("text", reply);
      body.put("stop_reason", "end_turn");
      sendJson(request.exchange(), body);
      return;
    }
    // message_start carries the input usage (and one output token), message_delta the output
    usage.put("output_tokens", 1);
    ObjectNode start = JSON.createObjectNode();
    start.put("type", "message_start");
    start.set("message", anthropicMessage("msg_stream_" + request.model(), served, usage));
    StringBuilder sse = new StringBuilder();
    event(sse, "message_start", start);
    ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
    blockStart.putObject("content_block").put("type", "text").put("text", "");
    event(sse, "content_block_start", blockStart);
    for (String part : halves(reply)) {
      ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
      delta.putObject("delta").put("type", "text_delta").put("text", part);
      event(sse, "content_block_delta", delta);
    }
    event(sse, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
    ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
    messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
    messageDelta.putObject("usage").put("output_tokens", m.output());
    event(sse, "message_delta", messageDelta);
    event(sse, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
    sendText(request.exchange(), "text/event-stream", sse.toString());
  }

  private static ObjectNode anthropicMessage(String id, String served, ObjectNode usage) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", id);
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", served);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message.set("usage", usage);
    return message;
  }

  /** The text of a system prompt with a {@code cache_control} block, up to that block, or {@code null}. */
  private static String cachedSystemPrompt(JsonNode system) {
    if (!system.isArray()) {
      return null;
    }
    StringBuilder prefix = new StringBuilder();
    for (JsonNode block : system) {
      prefix.append(block.path("text").asText(""));
      if (block.has("cache_control")) {
        return prefix.toString();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Google: Gemini Developer API and Vertex AI

  private void gemini(Request request, Scenario.Model m) throws IOException {
    if (request.operation().equals("batchEmbedContents")) {
      // one embedding per request; Gemini reports no token counts for embeddings
      ObjectNode body = JSON.createObjectNode();
      ArrayNode embeddings = body.putArray("embeddings");
      int count = Math.max(1, request.body().path("requests").size());
      for (int i = 0; i < count; i++) {
        embeddings.addObject().putArray("values").add(0.1).add(0.2).add(0.3);
      }
      sendJson(request.exchange(), body);
      return;
    }
    String served = m.servedAs(request.model());
    String reply = reply(request);
    ObjectNode usage = JSON.createObjectNode();
    usage.put("promptTokenCount", m.input());
    if (m.cached() > 0) {
      usage.put("cachedContentTokenCount", m.cached());
    }
    usage.put("candidatesTokenCount", m.output());
    if (m.reasoning() > 0) {
      usage.put("thoughtsTokenCount", m.reasoning());
    }
    usage.put("totalTokenCount", m.input() + m.output() + m.reasoning());
    if (!request.stream()) {
      sendJson(request.exchange(), geminiChunk(reply, true, usage, served, "gem-" + request.model()));
      return;
    }
    String[] parts = halves(reply);
    String id = "gem-stream-" + request.model();
    String sse = "data: " + JSON.writeValueAsString(geminiChunk(parts[0], false, null, served, id)) + "\r\n\r\n"
        + "data: " + JSON.writeValueAsString(geminiChunk(parts[1], true, usage, served, id)) + "\r\n\r\n";
    sendText(request.exchange(), "text/event-stream", sse);
  }

  private static ObjectNode geminiChunk(String text, boolean last, ObjectNode usage, String served, String id) {
    ObjectNode chunk = JSON.createObjectNode();
    ObjectNode candidate = chunk.putArray("candidates").addObject();
    ObjectNode content = candidate.putObject("content");
    content.putArray("parts").addObject().put("text", text);
    content.put("role", "model");
    if (last) {
      candidate.put("finishReason", "STOP");
    }
    candidate.put("index", 0);
    if (usage != null) {
      chunk.set("usageMetadata", usage);
    }
    chunk.put("modelVersion", served);
    chunk.put("responseId", id);
    return chunk;
  }

  /** Vertex AI text embeddings: one prediction per instance, the i-th counting input x (i + 1) tokens. */
  private void vertexPredict(Request request, Scenario.Model m) throws IOException {
    int count = Math.max(1, request.body().path("instances").size());
    ObjectNode body = JSON.createObjectNode();
    ArrayNode predictions = body.putArray("predictions");
    for (int i = 0; i < count; i++) {
      ObjectNode embeddings = predictions.addObject().putObject("embeddings");
      embeddings.putObject("statistics").put("truncated", false).put("token_count", m.input() * (i + 1));
      embeddings.putArray("values").add(0.1).add(0.2).add(0.3);
    }
    body.putObject("metadata").put("billableCharacterCount", 20 * count);
    sendJson(request.exchange(), body);
  }

  // ---------------------------------------------------------------------------------------------
  // Bedrock Runtime

  /**
   * Converse and ConverseStream. Bedrock's {@code inputTokens} leaves out the prompt-cache tokens;
   * its {@code totalTokens} counts them.
   */
  private void bedrockConverse(Request request, Scenario.Model m) throws IOException {
    String reply = reply(request);
    ObjectNode usage = JSON.createObjectNode();
    usage.put("inputTokens", m.input());
    usage.put("outputTokens", m.output());
    usage.put("totalTokens", m.input() + m.output() + m.cached() + m.written());
    usage.put("cacheReadInputTokens", m.cached());
    usage.put("cacheWriteInputTokens", m.written());
    ObjectNode metrics = JSON.createObjectNode().put("latencyMs", 120);
    if (request.stream()) {
      request.exchange().getResponseHeaders().set("x-amzn-RequestId", "req-stream-" + request.model());
      String[] parts = halves(reply);
      ObjectNode metadata = JSON.createObjectNode();
      metadata.set("usage", usage);
      metadata.set("metrics", metrics);
      byte[] stream = EventStream.encode(
          "messageStart", "{\"role\":\"assistant\"}",
          "contentBlockDelta", delta(parts[0]),
          "contentBlockDelta", delta(parts[1]),
          "contentBlockStop", "{\"contentBlockIndex\":0}",
          "messageStop", "{\"stopReason\":\"end_turn\"}",
          "metadata", JSON.writeValueAsString(metadata));
      send(request.exchange(), 200, "application/vnd.amazon.eventstream", stream);
      return;
    }
    request.exchange().getResponseHeaders().set("x-amzn-RequestId", "req-" + request.model());
    ObjectNode body = JSON.createObjectNode();
    ObjectNode message = body.putObject("output").putObject("message");
    message.put("role", "assistant");
    message.putArray("content").addObject().put("text", reply);
    body.put("stopReason", "end_turn");
    body.set("usage", usage);
    body.set("metrics", metrics);
    sendJson(request.exchange(), body);
  }

  private static String delta(String text) throws IOException {
    ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
    delta.putObject("delta").put("text", text);
    return JSON.writeValueAsString(delta);
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  private static String reply(Request request) {
    return "answer from " + request.model();
  }

  /** The text in the two parts a stream sends. */
  private static String[] halves(String text) {
    int half = text.length() / 2;
    return new String[] {text.substring(0, half), text.substring(half)};
  }

  private static void event(StringBuilder sse, String name, ObjectNode data) throws IOException {
    sse.append("event: ").append(name).append("\ndata: ").append(JSON.writeValueAsString(data)).append("\n\n");
  }

  private static void sendJson(HttpExchange exchange, JsonNode body) throws IOException {
    send(exchange, 200, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void sendText(HttpExchange exchange, String type, String body) throws IOException {
    send(exchange, 200, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] bytes) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
