package io.agentmeter.examples.fakellm;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An offline LLM provider on one port that speaks the OpenAI ({@code POST /v1/chat/completions},
 * {@code /v1/embeddings}) and Anthropic ({@code POST /v1/messages}) JSON wire formats, with the
 * token counts and failures of a {@link Scenario}. Anthropic prompt caching is played for real: a
 * system prompt marked {@code cache_control} is written to the cache the first time and read after.
 */
public final class FakeLlmServer implements AutoCloseable {

  /** One request the fake answered. */
  public record Call(String provider, String model, int status, String baggage) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Scenario scenario;
  private final HttpServer server;
  private final Map<String, AtomicInteger> failed = new ConcurrentHashMap<>();
  private final Set<String> anthropicCache = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  private FakeLlmServer(Scenario scenario, String host, int port) throws IOException {
    this.scenario = scenario;
    // Headers and body go out as separate writes; without TCP_NODELAY each call waits ~40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/v1/chat/completions", e -> handle(e, this::openAiChat));
    server.createContext("/v1/embeddings", e -> handle(e, this::openAiEmbeddings));
    server.createContext("/v1/messages", e -> handle(e, this::anthropicMessages));
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "fake-llm");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  /** Starts the fake on {@code host:port} (0 for any free port). */
  public static FakeLlmServer start(Scenario scenario, String host, int port) throws IOException {
    return new FakeLlmServer(scenario, host, port);
  }

  /** {@code --port N --scenario FILE --bind HOST}: runs the fake on its own (the compose setup). */
  public static void main(String[] args) throws Exception {
    int port = 8089;
    String host = "127.0.0.1";
    Scenario scenario = Scenario.bundled();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--bind" -> host = args[++i];
        case "--scenario" -> scenario = Scenario.parse(Files.readString(Path.of(args[++i])));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (options: --port N, --bind HOST, --scenario FILE)");
      }
    }
    FakeLlmServer fake = start(scenario, host, port);
    System.out.println("fake LLM provider on " + fake.baseUrl() + " (OpenAI /v1, Anthropic /v1/messages)");
    Thread.currentThread().join();
  }

  public String baseUrl() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  /** Every request answered so far, in order. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  private interface Handler {
    void answer(HttpExchange exchange, JsonNode request) throws IOException;
  }

  private void handle(HttpExchange exchange, Handler handler) throws IOException {
    try {
      if (!exchange.getRequestMethod().equals("POST")) {
        error(exchange, 405, "invalid_request_error", "use POST");
        return;
      }
      JsonNode request;
      try {
        request = JSON.readTree(exchange.getRequestBody());
      } catch (IOException e) {
        error(exchange, 400, "invalid_request_error", "the body is not JSON: " + e.getMessage());
        return;
      }
      handler.answer(exchange, request);
    } catch (RuntimeException e) {
      error(exchange, 500, "api_error", "the fake provider failed: " + e);
    } finally {
      exchange.close();
    }
  }

  /** The scripted failure for this call, or 0 to answer normally. */
  private int scriptedFailure(Scenario.Model model) {
    if (model.failures() == 0) {
      return 0;
    }
    int n = failed.computeIfAbsent(model.provider() + "." + model.name(), k -> new AtomicInteger())
        .getAndIncrement();
    return n < model.failures() ? model.failStatus() : 0;
  }

  private Scenario.Model known(HttpExchange exchange, String provider, JsonNode request) throws IOException {
    String name = request.path("model").asText("");
    Scenario.Model model = scenario.model(provider, name);
    if (model == null) {
      calls.add(new Call(provider, name, 404, baggage(exchange)));
      error(exchange, 404, "not_found_error", "model '" + name + "' does not exist on the fake provider");
      return null;
    }
    int failure = scriptedFailure(model);
    if (failure != 0) {
      calls.add(new Call(provider, name, failure, baggage(exchange)));
      exchange.getResponseHeaders().set("retry-after-ms", "20");
      error(exchange, failure, failure == 429 ? "rate_limit_error" : "api_error",
          "scripted failure " + failure + " for model '" + name + "'");
      return null;
    }
    calls.add(new Call(provider, name, 200, baggage(exchange)));
    return model;
  }

  private void openAiChat(HttpExchange exchange, JsonNode request) throws IOException {
    Scenario.Model m = known(exchange, "openai", request);
    if (m == null) {
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("id", "chatcmpl-" + ids.incrementAndGet());
    body.put("object", "chat.completion");
    body.put("created", System.currentTimeMillis() / 1000);
    body.put("model", m.served());
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", "[" + m.served() + "] " + lastUserText(request.path("messages")));
    message.putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", "stop");
    ObjectNode usage = body.putObject("usage");
    usage.put("prompt_tokens", m.input());
    usage.put("completion_tokens", m.output());
    usage.put("total_tokens", m.input() + m.output());
    usage.putObject("prompt_tokens_details").put("cached_tokens", m.cached()).put("audio_tokens", 0);
    usage.putObject("completion_tokens_details").put("reasoning_tokens", m.reasoning()).put("audio_tokens", 0);
    body.put("service_tier", "default");
    body.put("system_fingerprint", "fp_fake");
    send(exchange, 200, body);
  }

  private void openAiEmbeddings(HttpExchange exchange, JsonNode request) throws IOException {
    Scenario.Model m = known(exchange, "openai", request);
    if (m == null) {
      return;
    }
    JsonNode input = request.path("input");
    int count = input.isArray() ? input.size() : 1;
    ObjectNode body = JSON.createObjectNode();
    body.put("object", "list");
    ArrayNode data = body.putArray("data");
    for (int i = 0; i < count; i++) {
      ObjectNode e = data.addObject();
      e.put("object", "embedding");
      e.put("index", i);
      e.putArray("embedding").add(0.12).add(-0.34).add(0.56);
    }
    body.put("model", m.served());
    body.putObject("usage").put("prompt_tokens", m.input()).put("total_tokens", m.input());
    send(exchange, 200, body);
  }

  private void anthropicMessages(HttpExchange exchange, JsonNode request) throws IOException {
    Scenario.Model m = known(exchange, "anthropic", request);
    if (m == null) {
      return;
    }
    long cacheWrite = 0;
    long cacheRead = 0;
    String cachedPrefix = cachedSystemPrompt(request.path("system"));
    if (cachedPrefix != null) {
      if (anthropicCache.add(m.name() + '\u0000' + cachedPrefix)) {
        cacheWrite = scenario.anthropicCachePrefix();
      } else {
        cacheRead = scenario.anthropicCachePrefix();
      }
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("id", "msg_fake" + ids.incrementAndGet());
    body.put("type", "message");
    body.put("role", "assistant");
    body.put("model", m.served());
    body.putArray("content").addObject().put("type", "text")
        .put("text", "[" + m.served() + "] " + lastUserText(request.path("messages")));
    body.put("stop_reason", "end_turn");
    body.putNull("stop_sequence");
    ObjectNode usage = body.putObject("usage");
    usage.put("input_tokens", m.input());
    usage.put("cache_creation_input_tokens", cacheWrite);
    usage.put("cache_read_input_tokens", cacheRead);
    usage.put("output_tokens", m.output());
    send(exchange, 200, body);
  }

  /** The text of a system prompt with a {@code cache_control} block, or {@code null}. */
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

  private static String lastUserText(JsonNode messages) {
    String text = "";
    for (JsonNode message : messages) {
      JsonNode content = message.path("content");
      if (content.isTextual()) {
        text = content.asText();
      } else if (content.isArray() && content.size() > 0) {
        text = content.get(0).path("text").asText("");
      }
    }
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }

  private static String baggage(HttpExchange exchange) {
    String b = exchange.getRequestHeaders().getFirst("baggage");
    return b == null ? "" : b;
  }

  private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
