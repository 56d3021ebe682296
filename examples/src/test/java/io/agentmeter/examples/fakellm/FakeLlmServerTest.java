package io.agentmeter.examples.fakellm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The fake provider's scenario rules and wire answers (the SDKs themselves are run by DemoIT). */
class FakeLlmServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aScriptedFailureAnswersItsStatusThenTheModelAnswersWithItsTokens() throws Exception {
    Scenario scenario = Scenario.parse("openai.m1 = served=m1-2025 input=100 cached=40 output=7 fail=429x2\n");
    try (FakeLlmServer fake = FakeLlmServer.start(scenario, "127.0.0.1", 0)) {
      String body = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      assertThat(post(fake, "/v1/chat/completions", body).statusCode()).isEqualTo(429);
      HttpResponse<String> second = post(fake, "/v1/chat/completions", body);
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.headers().firstValue("retry-after-ms")).contains("20");
      JsonNode ok = JSON.readTree(post(fake, "/v1/chat/completions", body).body());
      assertThat(ok.path("model").asText()).isEqualTo("m1-2025");
      assertThat(ok.path("usage").path("prompt_tokens").asLong()).isEqualTo(100);
      assertThat(ok.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(40);
      assertThat(ok.path("usage").path("completion_tokens").asLong()).isEqualTo(7);
      assertThat(fake.calls()).extracting(FakeLlmServer.Call::status).containsExactly(429, 429, 200);
    }
  }

  @Test
  void aCachedAnthropicSystemPromptIsWrittenOnceThenRead() throws Exception {
    Scenario scenario = Scenario.parse("anthropic.c = input=10 output=5\nanthropic.cache.prefix = 300\n");
    try (FakeLlmServer fake = FakeLlmServer.start(scenario, "127.0.0.1", 0)) {
      String body = "{\"model\":\"c\",\"max_tokens\":10,\"system\":[{\"type\":\"text\",\"text\":\"style\","
          + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
      JsonNode first = JSON.readTree(post(fake, "/v1/messages", body).body()).path("usage");
      JsonNode second = JSON.readTree(post(fake, "/v1/messages", body).body()).path("usage");
      assertThat(first.path("cache_creation_input_tokens").asLong()).isEqualTo(300);
      assertThat(first.path("cache_read_input_tokens").asLong()).isZero();
      assertThat(second.path("cache_creation_input_tokens").asLong()).isZero();
      assertThat(second.path("cache_read_input_tokens").asLong()).isEqualTo(300);
      assertThat(second.path("input_tokens").asLong()).isEqualTo(10);
    }
  }

  @Test
  void anUnknownModelOrABodyThatIsNotJsonGetsAnErrorSayingWhy() throws Exception {
    try (FakeLlmServer fake = FakeLlmServer.start(Scenario.bundled(), "127.0.0.1", 0)) {
      HttpResponse<String> unknown = post(fake, "/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(unknown.body()).path("error").path("message").asText())
          .isEqualTo("model 'nope' does not exist on the fake provider");
      HttpResponse<String> garbage = post(fake, "/v1/messages", "{not json");
      assertThat(garbage.statusCode()).isEqualTo(400);
      assertThat(garbage.body()).contains("the body is not JSON");
    }
  }

  @Test
  void aScenarioLineThatCannotBeReadIsRejectedByName() {
    assertThatThrownBy(() -> Scenario.parse("openai.m = input=ten\n"))
        .hasMessage("openai.m: input must be a whole number >= 0, not 'ten'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = input=-5\n"))
        .hasMessage("openai.m: input must be a whole number >= 0, not '-5'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = colour=red\n")).hasMessage("openai.m: unknown key 'colour'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = fail=429\n"))
        .hasMessage("openai.m: fail must be STATUSxCOUNT, not '429'");
    assertThatThrownBy(() -> Scenario.parse("model = input=1\n"))
        .hasMessage("scenario key 'model' is not <provider>.<model>");
  }

  @Test
  void theBundledScenarioHasEveryModelTheDemoCalls() {
    Scenario bundled = Scenario.bundled();
    for (String model : new String[] {"gpt-4o", "gpt-4.1", "gpt-4o-mini", "text-embedding-3-small", "acme-distill-7b"}) {
      assertThat(bundled.model("openai", model)).as(model).isNotNull();
    }
    assertThat(bundled.model("anthropic", "claude-sonnet-4-5").served()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(bundled.model("openai", "gpt-4.1").failures()).isEqualTo(1);
    assertThat(bundled.anthropicCachePrefix()).isEqualTo(2000);
  }

  private HttpResponse<String> post(FakeLlmServer fake, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
