package io.agentmeter.javaagent.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One server on 127.0.0.1 playing OpenAI ({@code /v1/chat/completions} and {@code /v1/responses},
 * JSON and SSE; {@code /v1/embeddings}), Google's Gemini Developer API and Vertex AI embeddings, Anthropic
 * ({@code /v1/messages}, JSON and SSE), Bedrock Runtime's Converse ({@code /model/{id}/converse})
 * with the providers' real wire formats, and an OTLP/HTTP
 * receiver ({@code /v1/traces}) that keeps every span it is sent.
 */
final class FakeBackends implements AutoCloseable {

  /** A received span with its resource and scope. */
  record Received(Map<String, Object> resource, String scope, Span span) {
    Object attr(String key) {
      for (KeyValue kv : span.getAttributesList()) {
        if (kv.getKey().equals(key)) {
          return value(kv.getValue());
        }
      }
      return null;
    }

    String name() {
      return span.getName();
    }
  }

  private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern STREAM = Pattern.compile("\"stream\"\\s*:\\s*true");
  private final HttpServer server;
  final List<Received> spans = new CopyOnWriteArrayList<>();
  final List<String> llmRequests = new CopyOnWriteArrayList<>();

  FakeBackends() throws IOException {
    // Headers and body go out as separate writes; without TCP_NODELAY each call waits ~40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", this::openai);
    server.createContext("/v1/messages", this::anthropic);
    server.createContext("/v1/responses", this::responses);
    server.createContext("/v1/embeddings", this::embeddings);
    server.createContext("/v1beta/models/", this::gemini);
    server.createContext("/v1beta1/publishers/google/models/", this::vertex);
    server.createContext("/model/", this::bedrock);
    server.createContext("/v1/traces", this::otlp);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void openai(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String model = model(body);
    llmRequests.add("openai " + model);
    if (model.startsWith("boom")) {
      send(exchange, 500, "application/json",
          "{\"error\":{\"message\":\"the fake server fails on purpose\",\"type\":\"server_error\"}}");
      return;
    }
    if (STREAM.matcher(body).find()) {
      String id = "chatcmpl-stream";
      String served = model + "-2024-08-06";
      StringBuilder sse = new StringBuilder();
      for (String part : new String[] {"Hel", "lo"}) {
        sse.append("data: {\"id\":\"").append(id).append("\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"").append(served).append("\",\"service_tier\":\"default\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"").append(part)
            .append("\"},\"finish_reason\":null}]}\n\n");
      }
      sse.append("data: {\"id\":\"").append(id).append("\",\"object\":\"chat.completion.chunk\","
          + "\"created\":1700000000,\"model\":\"").append(served).append("\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":900,\"completion_tokens\":40,\"total_tokens\":940,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":300},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n");
      sse.append("data: [DONE]\n\n");
      send(exchange, 200, "text/event-stream", sse.toString());
      return;
    }
    send(exchange, 200, "application/json", "{\"id\":\"chatcmpl-" + model + "\","
        + "\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + model + "-2024\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"answer from "
        + model + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,\"total_tokens\":150,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":20,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":10,\"audio_tokens\":0}},"
        + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_1\"}");
  }

  private void anthropic(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    llmRequests.add("anthropic " + model(body));
    if (STREAM.matcher(body).find()) {
      String sse = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_stream\","
          + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
          + "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":40,"
          + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":500,\"output_tokens\":1}}}")
          + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
          + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
          + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
          + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}")
          + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
          + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
          + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":60}}")
          + event("message_stop", "{\"type\":\"message_stop\"}");
      send(exchange, 200, "text/event-stream", sse);
      return;
    }
    send(exchange, 200, "application/json", "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
        + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"draft\"}],"
        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":50,"
        + "\"cache_creation_input_tokens\":200,\"cache_read_input_tokens\":1000,\"output_tokens\":80}}");
  }

  private void responses(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String model = model(body);
    llmRequests.add("openai " + model);
    String served = model + "-2025-04-14";
    String usage = "{\"input_tokens\":500,\"input_tokens_details\":{\"cached_tokens\":100},"
        + "\"output_tokens\":70,\"output_tokens_details\":{\"reasoning_tokens\":25},"
        + "\"total_tokens\":570}";
    if (!STREAM.matcher(body).find()) {
      send(exchange, 200, "application/json",
          response("resp_1", served, "completed", message("resp", "completed"), usage));
      return;
    }
    // The Responses API's stream: named events, each carrying its type and sequence number; no
    // [DONE]; the usage comes only with the whole response in response.completed.
    String id = "resp_stream_" + model;
    String[] events = {
        "response.created", response(id, served, "in_progress", "", "null"),
        "response.in_progress", response(id, served, "in_progress", "", "null"),
        "response.output_item.added", "\"output_index\":0,\"item\":" + message("", "in_progress"),
        "response.content_part.added", "\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,"
            + "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}",
        "response.output_text.delta", "\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,"
            + "\"delta\":\"Str\",\"logprobs\":[]",
        "response.output_text.delta", "\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,"
            + "\"delta\":\"eamed\",\"logprobs\":[]",
        "response.output_text.done", "\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,"
            + "\"text\":\"Streamed\",\"logprobs\":[]",
        "response.content_part.done", "\"item_id\":\"msg_s\",\"output_index\":0,\"content_index\":0,"
            + "\"part\":{\"type\":\"output_text\",\"text\":\"Streamed\",\"annotations\":[]}",
        "response.output_item.done", "\"output_index\":0,\"item\":" + message("Streamed", "completed"),
        "response.completed", response(id, served, "completed", message("Streamed", "completed"), usage),
    };
    StringBuilder sse = new StringBuilder();
    for (int i = 0; i < events.length; i += 2) {
      String fields = events[i + 1];
      if (fields.startsWith("{")) {
        fields = "\"response\":" + fields;
      }
      sse.append(event(events[i], "{\"type\":\"" + events[i] + "\",\"sequence_number\":" + i / 2 + ","
          + fields + "}"));
    }
    send(exchange, 200, "text/event-stream", sse.toString());
  }

  /** A Responses API response object; {@code output} is one message item or empty. */
  private static String response(String id, String model, String status, String output, String usage) {
    return "{\"id\":\"" + id + "\",\"object\":\"response\",\"created_at\":1700000000,"
        + "\"status\":\"" + status + "\",\"model\":\"" + model + "\",\"output\":[" + output + "],"
        + "\"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[],\"temperature\":1.0,"
        + "\"top_p\":1.0,\"error\":null,\"incomplete_details\":null,\"instructions\":null,"
        + "\"metadata\":{},\"usage\":" + usage + ",\"service_tier\":\"default\"}";
  }

  private static String message(String text, String status) {
    String content = text.isEmpty() ? "" : "{\"type\":\"output_text\",\"text\":\"" + text
        + "\",\"annotations\":[]}";
    return "{\"type\":\"message\",\"id\":\"msg_s\",\"status\":\"" + status + "\","
        + "\"role\":\"assistant\",\"content\":[" + content + "]}";
  }

  private void embeddings(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    llmRequests.add("openai " + model(body));
    send(exchange, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"object\":"
        + "\"embedding\",\"index\":0,\"embedding\":[0.1,0.2]}],\"model\":\"text-embedding-3-small\","
        + "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}");
  }

  private void gemini(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = exchange.getRequestURI().getPath();
    String call = path.substring(path.lastIndexOf('/') + 1);
    String model = call.substring(0, call.indexOf(':'));
    llmRequests.add("gemini " + call);
    if (model.startsWith("boom")) {
      // a 400, which the SDK does not retry
      send(exchange, 400, "application/json", "{\"error\":{\"code\":400,"
          + "\"message\":\"the fake server fails on purpose\",\"status\":\"INVALID_ARGUMENT\"}}");
      return;
    }
    if (call.endsWith(":batchEmbedContents")) {
      // the Gemini Developer API: one embedding per request, no token counts
      StringBuilder json = new StringBuilder("{\"embeddings\":[");
      for (int i = 0; i < count(body, "\"model\":"); i++) {
        json.append(i == 0 ? "" : ",").append("{\"values\":[0.1,0.2,0.3]}");
      }
      send(exchange, 200, "application/json", json.append("]}").toString());
      return;
    }
    if (call.endsWith(":streamGenerateContent")) {
      String sse = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"str\"}],"
          + "\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"" + model + "\","
          + "\"responseId\":\"gem-stream\"}\r\n\r\n"
          + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"eamed\"}],"
          + "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
          + "\"usageMetadata\":{\"promptTokenCount\":400,\"candidatesTokenCount\":60,"
          + "\"thoughtsTokenCount\":40,\"totalTokenCount\":500},"
          + "\"modelVersion\":\"" + model + "\",\"responseId\":\"gem-stream\"}\r\n\r\n";
      send(exchange, 200, "text/event-stream", sse);
      return;
    }
    send(exchange, 200, "application/json", "{\"candidates\":[{\"content\":{\"parts\":"
        + "[{\"text\":\"gem\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
        + "\"usageMetadata\":{\"promptTokenCount\":300,\"candidatesTokenCount\":50,"
        + "\"cachedContentTokenCount\":100,\"thoughtsTokenCount\":20,\"totalTokenCount\":370},"
        + "\"modelVersion\":\"" + model + "\",\"responseId\":\"gem-1\"}");
  }

  /** Vertex AI (express mode, API key): text embeddings through {@code :predict}, with token counts. */
  private void vertex(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = exchange.getRequestURI().getPath();
    String call = path.substring(path.lastIndexOf('/') + 1);
    llmRequests.add("vertex " + call);
    if (!call.endsWith(":predict")) {
      send(exchange, 404, "application/json", "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\"}}");
      return;
    }
    // one prediction per instance; the i-th instance counts 6 + 3i tokens
    StringBuilder json = new StringBuilder("{\"predictions\":[");
    int instances = count(body, "\"content\":");
    for (int i = 0; i < instances; i++) {
      json.append(i == 0 ? "" : ",").append("{\"embeddings\":{\"statistics\":{\"truncated\":false,"
          + "\"token_count\":").append(6 + 3 * i).append("},\"values\":[0.1,0.2,0.3]}}");
    }
    send(exchange, 200, "application/json",
        json.append("],\"metadata\":{\"billableCharacterCount\":").append(20 * instances).append("}}").toString());
  }

  /**
   * Bedrock Runtime's Converse API ({@code POST /model/{modelId}/converse}, JSON). Its
   * {@code inputTokens} excludes the prompt-cache tokens; {@code totalTokens} counts them.
   */
  private void bedrock(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    String call = path.substring("/model/".length());
    llmRequests.add("bedrock " + call);
    if (call.endsWith("/converse-stream")) {
      exchange.getResponseHeaders().set("x-amzn-RequestId", "req-bedrock-stream");
      byte[] stream = eventStream(
          "messageStart", "{\"role\":\"assistant\"}",
          "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"streamed \"}}",
          "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"analysis\"}}",
          "contentBlockStop", "{\"contentBlockIndex\":0}",
          "messageStop", "{\"stopReason\":\"end_turn\"}",
          "metadata", "{\"usage\":{\"inputTokens\":30,\"outputTokens\":45,\"totalTokens\":1275,"
              + "\"cacheReadInputTokens\":1000,\"cacheWriteInputTokens\":200},\"metrics\":{\"latencyMs\":120}}");
      exchange.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
      exchange.sendResponseHeaders(200, stream.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(stream);
      }
      exchange.close();
      return;
    }
    if (!call.endsWith("/converse")) {
      send(exchange, 404, "application/json", "{\"message\":\"not found\"}");
      return;
    }
    exchange.getResponseHeaders().set("x-amzn-RequestId", "req-bedrock-1");
    send(exchange, 200, "application/json", "{\"output\":{\"message\":{\"role\":\"assistant\","
        + "\"content\":[{\"text\":\"bedrock analysis\"}]}},\"stopReason\":\"end_turn\","
        + "\"usage\":{\"inputTokens\":30,\"outputTokens\":45,\"totalTokens\":1275,"
        + "\"cacheReadInputTokens\":1000,\"cacheWriteInputTokens\":200},\"metrics\":{\"latencyMs\":120}}");
  }

  /**
   * AWS event-stream framing ({@code application/vnd.amazon.eventstream}): per message, total and
   * headers lengths, a CRC32 of those eight bytes, the headers (name, type 7 = string, value), the
   * JSON payload, and a CRC32 of everything before it. {@code events} alternates type and payload.
   */
  static byte[] eventStream(String... events) {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < events.length; i += 2) {
      java.io.ByteArrayOutputStream headers = new java.io.ByteArrayOutputStream();
      String[][] pairs = {{":event-type", events[i]}, {":content-type", "application/json"},
          {":message-type", "event"}};
      for (String[] pair : pairs) {
        byte[] name = pair[0].getBytes(StandardCharsets.UTF_8);
        byte[] value = pair[1].getBytes(StandardCharsets.UTF_8);
        headers.write(name.length);
        headers.writeBytes(name);
        headers.write(7);
        headers.write(value.length >> 8);
        headers.write(value.length & 0xff);
        headers.writeBytes(value);
      }
      byte[] payload = events[i + 1].getBytes(StandardCharsets.UTF_8);
      java.nio.ByteBuffer message = java.nio.ByteBuffer.allocate(16 + headers.size() + payload.length);
      message.putInt(message.capacity()).putInt(headers.size());
      message.putInt((int) crc(message.array(), 8));
      message.put(headers.toByteArray()).put(payload);
      message.putInt((int) crc(message.array(), message.position()));
      all.writeBytes(message.array());
    }
    return all.toByteArray();
  }

  private static long crc(byte[] bytes, int length) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(bytes, 0, length);
    return crc.getValue();
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  private static String event(String name, String data) {
    return "event: " + name + "\ndata: " + data + "\n\n";
  }

  private void otlp(HttpExchange exchange) throws IOException {
    ExportTraceServiceRequest request =
        ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, Object> resource = new HashMap<>();
      for (KeyValue kv : rs.getResource().getAttributesList()) {
        resource.put(kv.getKey(), value(kv.getValue()));
      }
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          spans.add(new Received(resource, ss.getScope().getName(), span));
        }
      }
    }
    send(exchange, 200, "application/x-protobuf", "");
  }

  List<Received> named(String name) {
    List<Received> result = new ArrayList<>();
    for (Received r : spans) {
      if (r.name().equals(name)) {
        result.add(r);
      }
    }
    return result;
  }

  private static String model(String body) {
    Matcher m = MODEL.matcher(body);
    return m.find() ? m.group(1) : "?";
  }

  private static Object value(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE: return v.getStringValue();
      case INT_VALUE: return v.getIntValue();
      case DOUBLE_VALUE: return v.getDoubleValue();
      case BOOL_VALUE: return v.getBoolValue();
      default: return v.toString();
    }
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
