package io.agentmeter.testing.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake provider's wire answers and scripted failures, read back as raw HTTP (the SDKs
 * themselves run against it in the extension's integration test and the demo's).
 */
class FakeLlmServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeLlmServer fake;

  @AfterEach
  void stop() {
    if (fake != null) {
      fake.close();
    }
  }

  @Test
  void aScriptedFailureAnswersItsStatusThenTheModelAnswersWithItsTokens() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("openai.m1 = served=m1-2025 input=100 cached=40 output=7 fail=429x2\n"));
    String body = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> first = post("/v1/chat/completions", body);
    assertThat(first.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(first.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
    HttpResponse<String> second = post("/v1/chat/completions", body);
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(second.headers().firstValue("retry-after-ms")).contains("20");
    JsonNode ok = JSON.readTree(post("/v1/chat/completions", body).body());
    assertThat(ok.path("id").asText()).isEqualTo("chatcmpl-m1");
    assertThat(ok.path("model").asText()).isEqualTo("m1-2025");
    assertThat(ok.path("choices").get(0).path("message").path("content").asText()).isEqualTo("answer from m1");
    assertThat(ok.path("usage").path("prompt_tokens").asLong()).isEqualTo(100);
    assertThat(ok.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(40);
    assertThat(ok.path("usage").path("completion_tokens").asLong()).isEqualTo(7);
    assertThat(ok.path("usage").path("total_tokens").asLong()).isEqualTo(107);
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::status).containsExactly(429, 429, 200);
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::operation).containsOnly("chat");
  }

  @Test
  void aLineWithoutACountFailsEveryCallAndEachModelOfAWildcardLineFailsItsOwnFirstCalls() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("openai.* = input=1\nopenai.boom* = fail=500\n"
        + "openai.flaky* = input=2 fail=503x1\n"));
    for (String model : new String[] {"boom", "boom", "flaky-a", "flaky-a", "flaky-b", "fine"}) {
      post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[]}");
    }
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::status).containsExactly(500, 500, 503, 200, 503, 200);
  }

  @Test
  void aChatStreamSendsTheAnswerInTwoChunksThenTheUsageThenDone() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("openai.* = input=120 cached=20 output=30 reasoning=10\n"
        + "openai.*@chat-stream = served={model}-2024-08-06 input=900 cached=300 output=40\n"));
    HttpResponse<String> answer = post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}");
    assertThat(answer.headers().firstValue("Content-Type")).contains("text/event-stream");
    List<String> data = sse(answer.body(), "data: ");
    assertThat(data).hasSize(4).last().isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    for (String chunk : data.subList(0, 2)) {
      JsonNode c = JSON.readTree(chunk);
      assertThat(c.path("id").asText()).isEqualTo("chatcmpl-stream-gpt-4o");
      assertThat(c.path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
      text.append(c.path("choices").get(0).path("delta").path("content").asText());
    }
    assertThat(text).hasToString("answer from gpt-4o");
    JsonNode usage = JSON.readTree(data.get(2)).path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(900);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(40);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(300);
    assertThat(usage.path("completion_tokens_details").path("reasoning_tokens").asLong()).isZero();
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::operation).containsExactly("chat-stream");
  }

  @Test
  void aResponsesStreamIsNamedEventsInSequenceWithTheUsageOnlyInTheCompletedResponse() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse(
        "openai.*@responses = served={model}-2025-04-14 input=500 cached=100 output=70 reasoning=25\n"));
    JsonNode whole = JSON.readTree(post("/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"hi\"}").body());
    assertThat(whole.path("id").asText()).isEqualTo("resp_gpt-4.1");
    assertThat(whole.path("model").asText()).isEqualTo("gpt-4.1-2025-04-14");
    assertThat(whole.path("usage").path("total_tokens").asLong()).isEqualTo(570);

    String body = post("/v1/responses", "{\"model\":\"gpt-5\",\"input\":\"hi\",\"stream\":true}").body();
    assertThat(sse(body, "event: ")).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.delta", "response.output_text.done", "response.content_part.done",
        "response.output_item.done", "response.completed");
    List<JsonNode> events = new ArrayList<>();
    for (String data : sse(body, "data: ")) {
      events.add(JSON.readTree(data));
    }
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
    }
    assertThat(events.get(0).path("response").path("usage").isNull()).isTrue();
    assertThat(events.get(4).path("delta").asText() + events.get(5).path("delta").asText())
        .isEqualTo("answer from gpt-5");
    JsonNode completed = events.get(9).path("response");
    assertThat(completed.path("id").asText()).isEqualTo("resp_stream_gpt-5");
    assertThat(completed.path("usage").path("input_tokens").asLong()).isEqualTo(500);
    assertThat(completed.path("usage").path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(100);
    assertThat(completed.path("usage").path("output_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(25);
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::operation).containsExactly("responses", "responses-stream");
  }

  @Test
  void embeddingsAnswerOneVectorPerInput() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("openai.text-embedding-3-small = input=500\n"));
    JsonNode two = JSON.readTree(post("/v1/embeddings",
        "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}").body());
    assertThat(two.path("data")).hasSize(2);
    assertThat(two.path("usage").path("prompt_tokens").asLong()).isEqualTo(500);
    JsonNode one = JSON.readTree(post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}").body());
    assertThat(one.path("data")).hasSize(1);
  }

  @Test
  void aCachedAnthropicSystemPromptIsWrittenOnceThenRead() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("anthropic.c = input=10 output=5\nanthropic.cache.prefix = 300\n"));
    String body = "{\"model\":\"c\",\"max_tokens\":10,\"system\":[{\"type\":\"text\",\"text\":\"style\","
        + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    JsonNode first = JSON.readTree(post("/v1/messages", body).body()).path("usage");
    JsonNode second = JSON.readTree(post("/v1/messages", body).body()).path("usage");
    assertThat(first.path("cache_creation_input_tokens").asLong()).isEqualTo(300);
    assertThat(first.path("cache_read_input_tokens").asLong()).isZero();
    assertThat(second.path("cache_creation_input_tokens").asLong()).isZero();
    assertThat(second.path("cache_read_input_tokens").asLong()).isEqualTo(300);
    assertThat(second.path("input_tokens").asLong()).isEqualTo(10);
  }

  @Test
  void anAnthropicStreamCarriesTheInputUsageFirstAndTheOutputLast() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse(
        "anthropic.* = served=claude-sonnet-4-5-20250929 input=40 cached=500 written=7 output=60\n"));
    String body = post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"stream\":true,"
        + "\"messages\":[]}").body();
    assertThat(sse(body, "event: ")).containsExactly("message_start", "content_block_start",
        "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
    List<String> data = sse(body, "data: ");
    JsonNode start = JSON.readTree(data.get(0)).path("message");
    assertThat(start.path("id").asText()).isEqualTo("msg_stream_claude-sonnet-4-5");
    assertThat(start.path("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(start.path("usage").path("input_tokens").asLong()).isEqualTo(40);
    assertThat(start.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(500);
    assertThat(start.path("usage").path("cache_creation_input_tokens").asLong()).isEqualTo(7);
    assertThat(start.path("usage").path("output_tokens").asLong()).isEqualTo(1);
    assertThat(JSON.readTree(data.get(2)).path("delta").path("text").asText()
        + JSON.readTree(data.get(3)).path("delta").path("text").asText()).isEqualTo("answer from claude-sonnet-4-5");
    assertThat(JSON.readTree(data.get(5)).path("usage").path("output_tokens").asLong()).isEqualTo(60);
  }

  @Test
  void geminiCountsThoughtsBesideTheOutputAndEmbedsWithoutTokens() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("gemini.* = input=300 cached=100 output=50 reasoning=20\n"
        + "gemini.*@streamGenerateContent = input=400 output=60 reasoning=40\n"));
    JsonNode whole = JSON.readTree(post("/v1beta/models/gemini-2.5-flash:generateContent", "{}").body());
    assertThat(whole.path("responseId").asText()).isEqualTo("gem-gemini-2.5-flash");
    assertThat(whole.path("modelVersion").asText()).isEqualTo("gemini-2.5-flash");
    JsonNode usage = whole.path("usageMetadata");
    assertThat(usage.path("promptTokenCount").asLong()).isEqualTo(300);
    assertThat(usage.path("cachedContentTokenCount").asLong()).isEqualTo(100);
    assertThat(usage.path("candidatesTokenCount").asLong()).isEqualTo(50);
    assertThat(usage.path("thoughtsTokenCount").asLong()).isEqualTo(20);
    assertThat(usage.path("totalTokenCount").asLong()).isEqualTo(370);

    List<String> chunks = sse(post("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", "{}").body(),
        "data: ");
    assertThat(chunks).hasSize(2);
    JsonNode first = JSON.readTree(chunks.get(0));
    JsonNode last = JSON.readTree(chunks.get(1));
    assertThat(first.has("usageMetadata")).isFalse();
    assertThat(first.path("candidates").get(0).path("content").path("parts").get(0).path("text").asText()
        + last.path("candidates").get(0).path("content").path("parts").get(0).path("text").asText())
        .isEqualTo("answer from gemini-2.5-pro");
    assertThat(last.path("responseId").asText()).isEqualTo("gem-stream-gemini-2.5-pro");
    assertThat(last.path("usageMetadata").has("cachedContentTokenCount")).isFalse();
    assertThat(last.path("usageMetadata").path("totalTokenCount").asLong()).isEqualTo(500);

    JsonNode vectors = JSON.readTree(post("/v1beta/models/gemini-embedding-001:batchEmbedContents",
        "{\"requests\":[{\"model\":\"models/gemini-embedding-001\"},{\"model\":\"models/gemini-embedding-001\"}]}")
        .body());
    assertThat(vectors.path("embeddings")).hasSize(2);
    assertThat(vectors.toString()).doesNotContain("token");
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::operation)
        .containsExactly("generateContent", "streamGenerateContent", "batchEmbedContents");
  }

  @Test
  void vertexCountsTheTokensOfEachInstanceSoASumShowsWhichWereCounted() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("vertex.* = input=6\n"));
    JsonNode answer = JSON.readTree(post("/v1beta1/publishers/google/models/text-embedding-005:predict",
        "{\"instances\":[{\"content\":\"a\"},{\"content\":\"b\"},{\"content\":\"c\"}]}").body());
    List<Long> counts = new ArrayList<>();
    answer.path("predictions").forEach(p -> counts.add(p.path("embeddings").path("statistics").path("token_count").asLong()));
    assertThat(counts).containsExactly(6L, 12L, 18L);
    assertThat(post("/v1beta1/publishers/google/models/text-embedding-005:countTokens", "{}").statusCode())
        .isEqualTo(404);
  }

  @Test
  void bedrockLeavesTheCacheTokensOutOfItsInputAndCountsThemInItsTotal() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("bedrock.* = input=30 cached=1000 written=200 output=45\n"));
    String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    HttpResponse<String> answer = post("/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", "{}");
    JsonNode body = JSON.readTree(answer.body());
    assertThat(body.path("output").path("message").path("content").get(0).path("text").asText())
        .isEqualTo("answer from " + model);
    assertThat(body.path("usage").path("inputTokens").asLong()).isEqualTo(30);
    assertThat(body.path("usage").path("totalTokens").asLong()).isEqualTo(30 + 45 + 1000 + 200);
    assertThat(answer.headers().firstValue("x-amzn-RequestId")).contains("req-" + model);

    HttpResponse<byte[]> stream = http.send(request("/model/" + model + "/converse-stream", "{}"),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(stream.headers().firstValue("Content-Type")).contains("application/vnd.amazon.eventstream");
    List<String> types = new ArrayList<>();
    List<String> payloads = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(stream.body());
    while (in.hasRemaining()) {
      int start = in.position();
      int total = in.getInt();
      int headers = in.getInt();
      assertThat(in.getInt()).isEqualTo((int) EventStream.crc(slice(stream.body(), start, 8), 8));
      byte[] header = new byte[headers];
      in.get(header);
      byte[] payload = new byte[total - headers - 16];
      in.get(payload);
      assertThat(in.getInt()).isEqualTo((int) EventStream.crc(slice(stream.body(), start, total - 4), total - 4));
      // the first header is :event-type: name length, name, type 7, value length (2 bytes), value
      int nameLength = header[0];
      int valueLength = ((header[2 + nameLength] & 0xff) << 8) | (header[3 + nameLength] & 0xff);
      types.add(new String(header, 4 + nameLength, valueLength, StandardCharsets.UTF_8));
      payloads.add(new String(payload, StandardCharsets.UTF_8));
    }
    assertThat(types).containsExactly("messageStart", "contentBlockDelta", "contentBlockDelta",
        "contentBlockStop", "messageStop", "metadata");
    assertThat(JSON.readTree(payloads.get(5)).path("usage").path("cacheWriteInputTokens").asLong()).isEqualTo(200);
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::model).containsOnly(model);
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::operation).containsExactly("converse", "converse-stream");
  }

  @Test
  void anUnknownModelOrABodyThatIsNotJsonGetsAnErrorInTheProvidersFormatSayingWhy() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("openai.gpt-4o = input=1\n"));
    HttpResponse<String> unknown = post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).path("error").path("message").asText())
        .isEqualTo("model 'nope' does not exist on the fake provider");
    HttpResponse<String> garbage = post("/v1/messages", "{not json");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(garbage.body()).path("type").asText()).isEqualTo("error");
    assertThat(JSON.readTree(garbage.body()).path("error").path("message").asText()).startsWith("the body is not JSON");
    JsonNode gemini = JSON.readTree(post("/v1beta/models/gemini-2.5-flash:generateContent", "{}").body());
    assertThat(gemini.path("error").path("status").asText()).isEqualTo("NOT_FOUND");
    HttpResponse<String> bedrock = post("/model/m/converse", "{}");
    assertThat(bedrock.headers().firstValue("x-amzn-ErrorType")).contains("ResourceNotFoundException");
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::status).containsExactly(404, 404, 404);
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::provider).containsExactly("openai", "gemini", "bedrock");
  }

  @Test
  void theBaggageHeaderOfEachCallIsKept() throws Exception {
    fake = FakeLlmServer.start(Scenario.parse("openai.* = input=1\n"));
    http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/chat/completions"))
        .header("baggage", "agentmeter.task.id=t1").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    post("/v1/chat/completions", "{\"model\":\"m\"}");
    assertThat(fake.calls()).extracting(FakeLlmServer.Call::baggage).containsExactly("agentmeter.task.id=t1", "");
    fake.clearCalls();
    assertThat(fake.calls()).isEmpty();
  }

  private static byte[] slice(byte[] bytes, int from, int length) {
    byte[] out = new byte[length];
    System.arraycopy(bytes, from, out, 0, length);
    return out;
  }

  /** The values of the SSE lines starting with {@code field}. */
  private static List<String> sse(String body, String field) {
    List<String> values = new ArrayList<>();
    for (String line : body.split("\r?\n")) {
      if (line.startsWith(field)) {
        values.add(line.substring(field.length()));
      }
    }
    return values;
  }

  private HttpRequest request(String path, String body) {
    return HttpRequest.newBuilder(URI.create(fake.baseUrl() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(request(path, body), HttpResponse.BodyHandlers.ofString());
  }
}
