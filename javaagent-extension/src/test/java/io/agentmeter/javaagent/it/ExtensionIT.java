package io.agentmeter.javaagent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.agentmeter.testing.llm.FakeLlmServer;
import io.agentmeter.testing.llm.Scenario;
import io.agentmeter.testing.otlp.OtlpReceiver;
import io.agentmeter.testing.otlp.OtlpReceiver.Received;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real OpenTelemetry Java agent with our extension, in forked JVMs running the real OpenAI,
 * Anthropic, Google GenAI, Bedrock and LangChain4j SDKs against the fake provider on 127.0.0.1
 * (answering as {@code fake-provider.properties} says); spans arrive over OTLP/HTTP at a receiver in
 * this test. Two application processes: an orchestrator whose agents come from the config mapping,
 * and a research service (a one-agent service, by resource) it calls over HTTP.
 */
class ExtensionIT {

  private static FakeLlmServer llm;
  private static OtlpReceiver otlp;
  private static Path dir;
  private static String withAgentOutput;
  private static String withoutAgentOutput;

  @BeforeAll
  static void runTheApplication() throws Exception {
    llm = FakeLlmServer.start(Scenario.fromResource(ExtensionIT.class, "fake-provider.properties"));
    otlp = OtlpReceiver.start();
    dir = Files.createTempDirectory("agentmeter-it");
    int researchPort = freePort();
    Process research = fork(true, List.of(
        "-Dotel.service.name=research-service",
        "-Dotel.resource.attributes=gen_ai.agent.name=researcher"),
        "research-service", llm.baseUrl(), Integer.toString(researchPort));
    try {
      await().atMost(Duration.ofSeconds(60)).until(() ->
          Files.readString(dir.resolve("research-service.log")).contains("READY"));
      String researchUrl = "http://127.0.0.1:" + researchPort + "/research";
      Process plain = fork(false, List.of(), "orchestrator", llm.baseUrl(), researchUrl);
      assertThat(plain.waitFor(120, TimeUnit.SECONDS)).isTrue();
      withoutAgentOutput = results(dir.resolve("orchestrator-plain.log"));
      otlp.clear();
      llm.clearCalls();
      Process orchestrator = fork(true, List.of(
          "-Dotel.service.name=orchestrator",
          "-Dotel.instrumentation.agentmeter.agents="
              + "io.agentmeter.javaagent.it.DemoApp$Planner#run=planner;"
              + "io.agentmeter.javaagent.it.DemoApp$Researcher#research,search=researcher;"
              + "io.agentmeter.javaagent.it.DemoApp$Reviewer#review=reviewer;"
              + "io.agentmeter.javaagent.it.DemoApp$Analyst#analyse=analyst;"
              + "io.agentmeter.javaagent.it.agentic.AgenticDemo$Storyteller#tell=storyPipeline;"
              + "io.agentmeter.javaagent.it.agentic.AgenticDemo$WordCounter#count=counter"),
          "orchestrator", llm.baseUrl(), researchUrl);
      assertThat(orchestrator.waitFor(120, TimeUnit.SECONDS)).isTrue();
      withAgentOutput = results(dir.resolve("orchestrator.log"));
      // the research service's spans come on its batch schedule
      await().atMost(Duration.ofSeconds(30)).until(() -> otlp.spans().stream()
          .anyMatch(s -> "research-service".equals(s.resource().get("service.name"))
              && s.name().startsWith("chat")));
    } finally {
      research.destroy();
      research.waitFor(30, TimeUnit.SECONDS);
    }
    for (Received r : otlp.spans()) {
      System.out.println("span " + r.resource().get("service.name") + " | " + r.scope() + " | "
          + r.name() + " | " + r.span().getKind() + " | " + r.span().getAttributesList().stream()
          .map(kv -> kv.getKey() + "=" + kv.getValue().toString().trim().replace('\n', ' '))
          .collect(Collectors.joining(", ")));
    }
  }

  @AfterAll
  static void stop() {
    llm.close();
    otlp.close();
  }

  @Test
  void theApplicationSeesExactlyWhatItSeesWithoutTheAgent() {
    assertThat(withAgentOutput).isNotEmpty().isEqualTo(withoutAgentOutput);
    assertThat(withAgentOutput).contains("RESULT boom: com.openai.errors.InternalServerException")
        .contains("RESULT stream: answer from gpt-4o").contains("RESULT plan: answer from gpt-4o-mini");
  }

  @Test
  void anOpenAiChatCallIsOneClientSpanWithTokens() {
    Received plan = single("chat gpt-4o-mini", "orchestrator");
    assertThat(plan.scope()).isEqualTo("io.agentmeter.openai-java");
    assertThat(plan.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(plan.attr("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(plan.attr("gen_ai.provider.name")).isEqualTo("openai");
    assertThat(plan.attr("gen_ai.request.model")).isEqualTo("gpt-4o-mini");
    assertThat(plan.attr("gen_ai.response.model")).isEqualTo("gpt-4o-mini-2024");
    assertThat(plan.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
    assertThat(plan.attr("gen_ai.usage.output_tokens")).isEqualTo(30L);
    assertThat(plan.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(20L);
    assertThat(plan.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(10L);
    assertThat(plan.attr("openai.response.service_tier")).isEqualTo("default");
  }

  @Test
  void aStreamedCallEndsWithTheStreamAndCarriesTheReportedUsage() {
    Received stream = otlp.named("chat gpt-4o").stream()
        .filter(r -> "chatcmpl-stream-gpt-4o".equals(r.attr("gen_ai.response.id"))).findFirst().orElseThrow();
    assertThat(stream.attr("gen_ai.usage.input_tokens")).isEqualTo(900L);
    assertThat(stream.attr("gen_ai.usage.output_tokens")).isEqualTo(40L);
    assertThat(stream.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(300L);
    assertThat(stream.attr("gen_ai.response.model")).isEqualTo("gpt-4o-2024-08-06");
    assertThat(stream.span().getEndTimeUnixNano()).isGreaterThan(stream.span().getStartTimeUnixNano());
  }

  @Test
  void asyncChatTheResponsesApiAndEmbeddingsAreSpansWithTokens() {
    Received async = single("chat gpt-4.1-mini", "orchestrator");
    assertThat(async.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
    assertThat(async.attr("gen_ai.response.model")).isEqualTo("gpt-4.1-mini-2024");
    Received responses = single("chat gpt-4.1", "orchestrator");
    assertThat(responses.attr("gen_ai.response.model")).isEqualTo("gpt-4.1-2025-04-14");
    assertThat(responses.attr("gen_ai.usage.input_tokens")).isEqualTo(500L);
    assertThat(responses.attr("gen_ai.usage.output_tokens")).isEqualTo(70L);
    assertThat(responses.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(100L);
    assertThat(responses.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(25L);
    Received embeddings = single("embeddings text-embedding-3-small", "orchestrator");
    assertThat(embeddings.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(embeddings.attr("gen_ai.operation.name")).isEqualTo("embeddings");
    assertThat(embeddings.attr("gen_ai.usage.input_tokens")).isEqualTo(8L);
  }

  @Test
  void asyncChatStreamsAndResponsesStreamsAreOneSpanEachCarryingTheStreamsUsage() {
    // usage arrives with the last chunk (chat) or the response.completed event (Responses): an
    // attribute set after the span ended would be dropped, so it shows the span lasted the stream
    Received asyncChat = single("chat o4-mini", "orchestrator");
    assertThat(asyncChat.scope()).isEqualTo("io.agentmeter.openai-java");
    assertThat(asyncChat.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(asyncChat.attr("gen_ai.response.model")).isEqualTo("o4-mini-2024-08-06");
    assertThat(asyncChat.attr("gen_ai.response.id")).isEqualTo("chatcmpl-stream-o4-mini");
    assertThat(asyncChat.attr("gen_ai.usage.input_tokens")).isEqualTo(900L);
    assertThat(asyncChat.attr("gen_ai.usage.output_tokens")).isEqualTo(40L);
    assertThat(asyncChat.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(300L);
    for (String model : List.of("gpt-5", "gpt-5-nano")) {
      Received stream = single("chat " + model, "orchestrator");
      assertThat(stream.scope()).isEqualTo("io.agentmeter.openai-java");
      assertThat(stream.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
      assertThat(stream.attr("gen_ai.operation.name")).isEqualTo("chat");
      assertThat(stream.attr("gen_ai.request.model")).isEqualTo(model);
      assertThat(stream.attr("gen_ai.response.model")).isEqualTo(model + "-2025-04-14");
      assertThat(stream.attr("gen_ai.response.id")).isEqualTo("resp_stream_" + model);
      assertThat(stream.attr("gen_ai.usage.input_tokens")).isEqualTo(500L);
      assertThat(stream.attr("gen_ai.usage.output_tokens")).isEqualTo(70L);
      assertThat(stream.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(100L);
      assertThat(stream.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(25L);
    }
    Received asyncResponses = single("chat gpt-5-mini", "orchestrator");
    assertThat(asyncResponses.attr("gen_ai.response.id")).isEqualTo("resp_gpt-5-mini");
    assertThat(asyncResponses.attr("gen_ai.usage.input_tokens")).isEqualTo(500L);
    assertThat(asyncResponses.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(25L);
    assertThat(withAgentOutput).contains("RESULT async stream: answer from o4-mini")
        .contains("RESULT responses stream: answer from gpt-5")
        .contains("RESULT async responses stream: answer from gpt-5-nano");
  }

  @Test
  void aFailedAsyncStreamIsRecordedAndTheApplicationStillGetsTheError() {
    Received boom = single("chat boom-stream", "orchestrator");
    assertThat(boom.span().getStatus().getCode().name()).isEqualTo("STATUS_CODE_ERROR");
    assertThat(boom.attr("error.type")).isEqualTo("com.openai.errors.InternalServerException");
    assertThat(withAgentOutput).contains("RESULT async stream boom: com.openai.errors.InternalServerException");
  }

  @Test
  void aResponsesStreamClosedAfterItsFirstEventEndsItsSpanWithoutUsage() {
    Received closed = single("chat o3", "orchestrator");
    assertThat(closed.attr("gen_ai.response.id")).isEqualTo("resp_stream_o3");
    assertThat(closed.attr("gen_ai.usage.input_tokens")).isNull();
    assertThat(closed.span().getEndTimeUnixNano()).isGreaterThan(closed.span().getStartTimeUnixNano());
    assertThat(withAgentOutput).contains("RESULT responses stream, first event only: true");
  }

  @Test
  void aLangChain4jChatModelCallIsOneSpanWithProviderTokensAndItsAgent() {
    Received review = single("chat gpt-4.1-nano", "orchestrator");
    assertThat(review.scope()).isEqualTo("io.agentmeter.langchain4j");
    assertThat(review.attr("gen_ai.provider.name")).isEqualTo("openai");
    assertThat(review.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
    assertThat(review.attr("gen_ai.usage.output_tokens")).isEqualTo(30L);
    assertThat(review.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(20L);
    assertThat(review.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(10L);
    assertThat(review.attr("gen_ai.agent.name")).isEqualTo("reviewer");
    Received streamed = otlp.named("chat gpt-4o").stream()
        .filter(r -> r.scope().equals("io.agentmeter.langchain4j")).findFirst().orElseThrow();
    assertThat(streamed.attr("gen_ai.usage.input_tokens")).isEqualTo(900L);
    assertThat(streamed.attr("gen_ai.usage.output_tokens")).isEqualTo(40L);
    assertThat(streamed.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(300L);
    assertThat(streamed.attr("gen_ai.agent.name")).isEqualTo("reviewer");
    assertThat(withAgentOutput).contains("RESULT review stream: answer from gpt-4o");
    Received embedding = single("embeddings text-embedding-3-large", "orchestrator");
    assertThat(embedding.scope()).isEqualTo("io.agentmeter.langchain4j");
    assertThat(embedding.attr("gen_ai.usage.input_tokens")).isEqualTo(8L);
    assertThat(embedding.attr("gen_ai.agent.name")).isEqualTo("reviewer");
  }

  @Test
  void asyncAndRawOpenAiEmbeddingsCallsAreOneSpanEachWithTheirTokens() {
    // usage is read from the future's result or the parsed raw response, so each span lasted that long
    for (String model : List.of("text-embedding-ada-002", "text-embedding-raw", "text-embedding-async-raw")) {
      Received span = single("embeddings " + model, "orchestrator");
      assertThat(span.scope()).as(model).isEqualTo("io.agentmeter.openai-java");
      assertThat(span.span().getKind().name()).as(model).isEqualTo("SPAN_KIND_CLIENT");
      assertThat(span.attr("gen_ai.operation.name")).as(model).isEqualTo("embeddings");
      assertThat(span.attr("gen_ai.usage.input_tokens")).as(model).isEqualTo(8L);
      assertThat(span.attr("gen_ai.response.model")).as(model).isEqualTo("text-embedding-3-small");
    }
    assertThat(withAgentOutput).contains("RESULT async embeddings: 1").contains("RESULT raw embeddings: 1")
        .contains("RESULT async raw embeddings: 1");
  }

  @Test
  void aGoogleGenAiCallIsOneGenerateContentSpanWithThoughtsCountedAsOutput() {
    assertThat(llmRequests()).containsOnlyOnce("gemini gemini-2.5-flash:generateContent");
    Received gemini = single("generate_content gemini-2.5-flash", "orchestrator");
    assertThat(gemini.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(gemini.attr("gen_ai.provider.name")).isEqualTo("gcp.gemini");
    assertThat(gemini.attr("gen_ai.usage.input_tokens")).isEqualTo(300L);
    assertThat(gemini.attr("gen_ai.usage.output_tokens")).isEqualTo(70L);
    assertThat(gemini.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(100L);
    assertThat(gemini.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(20L);
    assertThat(gemini.attr("gen_ai.response.id")).isEqualTo("gem-gemini-2.5-flash");
    Received stream = single("generate_content gemini-2.5-pro", "orchestrator");
    assertThat(stream.attr("gen_ai.usage.input_tokens")).isEqualTo(400L);
    assertThat(stream.attr("gen_ai.usage.output_tokens")).isEqualTo(100L);
    assertThat(stream.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(40L);
    assertThat(stream.attr("gen_ai.response.id")).isEqualTo("gem-stream-gemini-2.5-pro");
    assertThat(withAgentOutput).contains("RESULT gemini stream: answer from gemini-2.5-pro");
  }

  @Test
  void googleGenAiEmbeddingsAreOneSpanEachWithTheInputTokensVertexReports() {
    Received developer = single("embeddings gemini-embedding-001", "orchestrator");
    assertThat(developer.scope()).isEqualTo("io.agentmeter.google-genai");
    assertThat(developer.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(developer.attr("gen_ai.operation.name")).isEqualTo("embeddings");
    assertThat(developer.attr("gen_ai.provider.name")).isEqualTo("gcp.gemini");
    assertThat(developer.attr("gen_ai.request.model")).isEqualTo("gemini-embedding-001");
    // the Gemini Developer API reports no tokens for embeddings
    assertThat(developer.attr("gen_ai.usage.input_tokens")).isNull();
    Received vertex = single("embeddings text-embedding-005", "orchestrator");
    assertThat(vertex.attr("gen_ai.provider.name")).isEqualTo("gcp.vertex_ai");
    assertThat(vertex.attr("gen_ai.usage.input_tokens")).isEqualTo(6L + 12L);
    Received async = single("embeddings text-multilingual-embedding-002", "orchestrator");
    assertThat(async.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(async.attr("gen_ai.provider.name")).isEqualTo("gcp.vertex_ai");
    assertThat(async.attr("gen_ai.usage.input_tokens")).isEqualTo(6L + 12L + 18L);
    assertThat(withAgentOutput).contains("RESULT gemini embeddings: 2").contains("RESULT vertex embeddings: 2")
        .contains("RESULT vertex async embeddings: 3");
  }

  @Test
  void googleGenAiAsyncCallsAreOneSpanEachAndTheAsyncStreamEndsWithTheStream() {
    Received async = single("generate_content gemini-2.0-flash", "orchestrator");
    assertThat(async.scope()).isEqualTo("io.agentmeter.google-genai");
    assertThat(async.attr("gen_ai.provider.name")).isEqualTo("gcp.gemini");
    assertThat(async.attr("gen_ai.response.model")).isEqualTo("gemini-2.0-flash");
    assertThat(async.attr("gen_ai.usage.input_tokens")).isEqualTo(300L);
    assertThat(async.attr("gen_ai.usage.output_tokens")).isEqualTo(70L);
    // usage comes with the last chunk: present only if the span outlived the future
    Received stream = single("generate_content gemini-2.5-flash-lite", "orchestrator");
    assertThat(stream.attr("gen_ai.usage.input_tokens")).isEqualTo(400L);
    assertThat(stream.attr("gen_ai.usage.output_tokens")).isEqualTo(100L);
    assertThat(stream.attr("gen_ai.response.id")).isEqualTo("gem-stream-gemini-2.5-flash-lite");
    assertThat(withAgentOutput).contains("RESULT gemini async: answer from gemini-2.0-flash")
        .contains("RESULT gemini async stream: answer from gemini-2.5-flash-lite");
  }

  @Test
  void aFailedGoogleGenAiAsyncCallIsRecordedAndTheApplicationStillGetsTheError() {
    Received boom = single("generate_content boom-gemini", "orchestrator");
    assertThat(boom.span().getStatus().getCode().name()).isEqualTo("STATUS_CODE_ERROR");
    assertThat(boom.attr("error.type")).isEqualTo("com.google.genai.errors.ClientException");
    assertThat(withAgentOutput).contains("RESULT gemini async boom: com.google.genai.errors.ClientException");
  }

  @Test
  void everyGoogleGenAiCallIsExactlyOneSpan() {
    List<String> calls = llmRequests().stream()
        .filter(r -> r.startsWith("gemini ") || r.startsWith("vertex ")).collect(Collectors.toList());
    assertThat(calls).containsExactlyInAnyOrder("gemini gemini-2.5-flash:generateContent",
        "gemini gemini-2.5-pro:streamGenerateContent", "gemini gemini-embedding-001:batchEmbedContents",
        "vertex text-embedding-005:predict", "gemini gemini-2.0-flash:generateContent",
        "gemini gemini-2.5-flash-lite:streamGenerateContent",
        "gemini boom-gemini:generateContent",
        "vertex text-multilingual-embedding-002:predict");
    assertThat(otlp.spans().stream().filter(r -> r.scope().equals("io.agentmeter.google-genai")))
        .hasSize(calls.size());
  }

  @Test
  void aRawResponseCallIsOneSpanEndedWhenParsed() {
    Received raw = single("chat gpt-4o-mini-raw", "orchestrator");
    assertThat(raw.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
    assertThat(raw.attr("gen_ai.response.model")).isEqualTo("gpt-4o-mini-raw-2024");
  }

  @Test
  void rawStreamsAndRawResponsesCallsAreOneSpanEachWithTheirUsage() {
    // withRawResponse(): usage arrives with the parsed stream's last chunk or response.completed
    // event, so a stream's usage shows its span lasted the stream
    for (String model : List.of("gpt-4o-raw-stream", "o4-mini-raw")) {
      Received chat = single("chat " + model, "orchestrator");
      assertThat(chat.scope()).isEqualTo("io.agentmeter.openai-java");
      assertThat(chat.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
      assertThat(chat.attr("gen_ai.request.model")).isEqualTo(model);
      assertThat(chat.attr("gen_ai.response.model")).isEqualTo(model + "-2024-08-06");
      assertThat(chat.attr("gen_ai.response.id")).isEqualTo("chatcmpl-stream-" + model);
      assertThat(chat.attr("gen_ai.usage.input_tokens")).isEqualTo(900L);
      assertThat(chat.attr("gen_ai.usage.output_tokens")).isEqualTo(40L);
      assertThat(chat.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(300L);
      assertThat(chat.span().getStatus().getCode().name()).isNotEqualTo("STATUS_CODE_ERROR");
    }
    // Responses API: create and its async form; the streams and the async stream
    Map<String, String> responseIds = Map.of("gpt-4.1-raw", "resp_gpt-4.1-raw", "gpt-5-mini-raw", "resp_gpt-5-mini-raw",
        "gpt-5-raw", "resp_stream_gpt-5-raw", "gpt-5-nano-raw", "resp_stream_gpt-5-nano-raw");
    responseIds.forEach((model, id) -> {
      Received responses = single("chat " + model, "orchestrator");
      assertThat(responses.scope()).isEqualTo("io.agentmeter.openai-java");
      assertThat(responses.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
      assertThat(responses.attr("gen_ai.operation.name")).isEqualTo("chat");
      assertThat(responses.attr("gen_ai.request.model")).isEqualTo(model);
      assertThat(responses.attr("gen_ai.response.model")).isEqualTo(model + "-2025-04-14");
      assertThat(responses.attr("gen_ai.response.id")).isEqualTo(id);
      assertThat(responses.attr("gen_ai.usage.input_tokens")).isEqualTo(500L);
      assertThat(responses.attr("gen_ai.usage.output_tokens")).isEqualTo(70L);
      assertThat(responses.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(100L);
      assertThat(responses.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(25L);
    });
    Received asyncRaw = single("chat gpt-4.1-mini-raw", "orchestrator");
    assertThat(asyncRaw.attr("gen_ai.response.model")).isEqualTo("gpt-4.1-mini-raw-2024");
    assertThat(asyncRaw.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
    assertThat(asyncRaw.attr("gen_ai.usage.output_tokens")).isEqualTo(30L);
    assertThat(asyncRaw.attr("gen_ai.usage.reasoning.output_tokens")).isEqualTo(10L);
    assertThat(withAgentOutput).contains("RESULT raw stream: 200 answer from gpt-4o-raw-stream")
        .contains("RESULT raw responses: 200 resp_gpt-4.1-raw resp_gpt-4.1-raw")
        .contains("RESULT raw responses stream: answer from gpt-5-raw")
        .contains("RESULT async raw: answer from gpt-4.1-mini-raw")
        .contains("RESULT async raw stream: answer from o4-mini-raw")
        .contains("RESULT async raw responses: resp_gpt-5-mini-raw")
        .contains("RESULT async raw responses stream: answer from gpt-5-nano-raw");
    // each is one model span around its one HTTP request, sync or async
    for (String model : List.of("gpt-4o-raw-stream", "o4-mini-raw", "gpt-4.1-raw", "gpt-5-mini-raw",
        "gpt-5-raw", "gpt-5-nano-raw", "gpt-4.1-mini-raw", "gpt-4o-raw-unread")) {
      Received chat = single("chat " + model, "orchestrator");
      assertThat(llmRequests()).containsOnlyOnce("openai " + model);
      assertThat(otlp.spans()).filteredOn(r -> r.span().getParentSpanId().equals(chat.span().getSpanId()))
          .singleElement().satisfies(http -> {
            assertThat(http.scope()).startsWith("io.opentelemetry.okhttp");
            assertThat(http.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
          });
    }
  }

  @Test
  void aRawStreamClosedWithoutBeingParsedEndsItsSpanWithoutUsage() {
    Received unread = single("chat gpt-4o-raw-unread", "orchestrator");
    assertThat(unread.attr("gen_ai.response.id")).isNull();
    assertThat(unread.attr("gen_ai.usage.input_tokens")).isNull();
    assertThat(unread.span().getStatus().getCode().name()).isNotEqualTo("STATUS_CODE_ERROR");
    assertThat(unread.span().getEndTimeUnixNano()).isGreaterThan(unread.span().getStartTimeUnixNano());
    assertThat(withAgentOutput).contains("RESULT raw stream, unread: 200");
  }

  @Test
  void failedRawCallsAreRecordedAndTheApplicationStillGetsTheError() {
    for (String model : List.of("boom-raw-stream", "boom-raw-async")) {
      Received boom = single("chat " + model, "orchestrator");
      assertThat(boom.span().getStatus().getCode().name()).isEqualTo("STATUS_CODE_ERROR");
      assertThat(boom.attr("error.type")).isEqualTo("com.openai.errors.InternalServerException");
    }
    assertThat(withAgentOutput).contains("RESULT raw stream boom: com.openai.errors.InternalServerException")
        .contains("RESULT async raw boom: com.openai.errors.InternalServerException");
  }

  @Test
  void anSdkErrorIsRecordedAndTheApplicationStillGetsIt() {
    Received boom = single("chat boom", "orchestrator");
    assertThat(boom.span().getStatus().getCode().name()).isEqualTo("STATUS_CODE_ERROR");
    assertThat(boom.attr("error.type")).isEqualTo("com.openai.errors.InternalServerException");
  }

  @Test
  void noCallYieldsTwoSpans() {
    // the agentic agents' calls are counted in their own test
    long openaiCalls = llmRequests().stream().filter(r -> r.startsWith("openai"))
        .filter(r -> !isAgentic(r.substring("openai ".length()))).count();
    List<Received> chatSpans = otlp.spans().stream()
        .filter(r -> "chat".equals(r.attr("gen_ai.operation.name")))
        .filter(r -> "openai".equals(r.attr("gen_ai.provider.name")))
        .filter(r -> !isAgentic((String) r.attr("gen_ai.request.model")))
        .collect(Collectors.toList());
    long anthropicCalls = llmRequests().stream().filter(r -> r.startsWith("anthropic")).count();
    // planner, stream, search, boom, async, responses, langchain4j (plain and streaming), raw,
    // embeddings (openai-java and langchain4j), the research service's call, and the async chat
    // stream (and a failing one), two Responses streams, async Responses and its stream; the raw
    // forms: chat and Responses streams, Responses, their async forms and async chat, a raw stream
    // closed unread, and two failing raw calls; async, raw and async raw embeddings
    assertThat(openaiCalls).isEqualTo(31);
    assertThat(chatSpans).hasSize(26);
    // openai-java (sync, async, raw, async raw) and langchain4j on OpenAI; Google GenAI's three
    assertThat(otlp.spans().stream().filter(r -> "embeddings".equals(r.attr("gen_ai.operation.name"))))
        .hasSize(8).filteredOn(r -> "openai".equals(r.attr("gen_ai.provider.name"))).hasSize(5);
    assertThat(otlp.spans().stream().filter(r -> "anthropic".equals(r.attr("gen_ai.provider.name"))))
        .hasSize((int) anthropicCalls).hasSize(3);
    // the agent's own openai instrumentation is off by default: no second span per call
    assertThat(otlp.spans()).noneMatch(r -> r.scope().startsWith("io.opentelemetry.openai"));
  }

  @Test
  void agentRolesComeFromTheConfigMappingWithOneSpanPerAgent() {
    Received planner = single("invoke_agent planner", "orchestrator");
    Received researcher = single("invoke_agent researcher", "orchestrator");
    assertThat(planner.span().getKind().name()).isEqualTo("SPAN_KIND_INTERNAL");
    assertThat(planner.attr("gen_ai.operation.name")).isEqualTo("invoke_agent");
    assertThat(planner.attr("gen_ai.agent.name")).isEqualTo("planner");
    assertThat(single("chat gpt-4o-mini", "orchestrator").attr("gen_ai.agent.name")).isEqualTo("planner");
    assertThat(single("chat gpt-4o-mini", "orchestrator").span().getParentSpanId())
        .isEqualTo(planner.span().getSpanId());
    // search() runs inside research(): same agent, no second agent span
    List<Received> researcherChats = otlp.named("chat gpt-4o").stream()
        .filter(r -> "researcher".equals(r.attr("gen_ai.agent.name"))).collect(Collectors.toList());
    assertThat(researcherChats).hasSize(2)
        .allMatch(r -> "researcher".equals(r.attr("gen_ai.agent.name")))
        .allMatch(r -> r.span().getParentSpanId().equals(researcher.span().getSpanId()));
    assertThat(single("chat boom", "orchestrator").attr("gen_ai.agent.name")).isNull();
  }

  @Test
  void taskAndClientBaggageIsCopiedOntoSpansAndCarriedToTheNextService() {
    Received plan = single("chat gpt-4o-mini", "orchestrator");
    assertThat(plan.attr("agentmeter.baggage.task.id")).isEqualTo("task-42");
    assertThat(plan.attr("agentmeter.baggage.client.id")).isEqualTo("acme");
    Received remote = single("chat gpt-4o-mini", "research-service");
    assertThat(remote.span().getTraceId()).isEqualTo(plan.span().getTraceId());
    assertThat(remote.attr("agentmeter.baggage.task.id")).isEqualTo("task-42");
    assertThat(remote.attr("agentmeter.baggage.client.id")).isEqualTo("acme");
    // the planner's role travels as baggage; the service's own role is its resource
    assertThat(remote.attr("agentmeter.baggage.agent.name")).isEqualTo("planner");
    assertThat(remote.attr("gen_ai.agent.name")).isNull();
    assertThat(remote.resource()).containsEntry("gen_ai.agent.name", "researcher");
  }

  @Test
  void anthropicCallsAreOneSpanEachWithInclusiveInputAndCacheTokens() {
    List<Received> anthropic = otlp.spans().stream()
        .filter(r -> r.scope().startsWith("com.anthropic")).collect(Collectors.toList());
    // messages (sync and streaming) and beta messages: the SDK traces all three
    assertThat(anthropic).hasSize(3);
    assertThat(anthropic).filteredOn(r -> "claude-haiku-4-5".equals(r.attr("gen_ai.request.model")))
        .singleElement().satisfies(beta -> {
          assertThat(beta.attr("gen_ai.operation.name")).isEqualTo("chat");
          assertThat(beta.attr("gen_ai.usage.input_tokens")).isEqualTo(1250L);
          assertThat(beta.attr("agentmeter.baggage.task.id")).isEqualTo("task-42");
        });
    Received sync = anthropic.stream().filter(r -> Long.valueOf(80).equals(r.attr("gen_ai.usage.output_tokens")))
        .findFirst().orElseThrow();
    assertThat(sync.attr("gen_ai.usage.input_tokens")).isEqualTo(1250L);
    assertThat(sync.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(1000L);
    assertThat(sync.attr("agentmeter.baggage.client.id")).isEqualTo("acme");
  }

  @Test
  void aBedrockConverseCallIsTheAgentsOneSpanAttributedWithInclusiveInputAndCacheTokens() {
    String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    assertThat(llmRequests()).containsOnlyOnce("bedrock " + model + "/converse");
    // the sync call here; the async client's converse and converseStream in the next test
    List<Received> bedrock = otlp.spans().stream()
        .filter(r -> "aws.bedrock".equals(r.attr("gen_ai.provider.name"))).collect(Collectors.toList());
    assertThat(bedrock).hasSize(3);
    Received call = single("chat " + model, "orchestrator");
    // the agent's own span, enriched: none of ours beside it, no HTTP client span under it
    assertThat(call.scope()).isEqualTo("io.opentelemetry.aws-sdk-2.2");
    assertThat(call.name()).isEqualTo("chat " + model);
    assertThat(call.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
    assertThat(call.attr("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(call.attr("gen_ai.request.model")).isEqualTo(model);
    assertThat(otlp.spans()).filteredOn(r -> String.valueOf(r.attr("url.full"))
        .endsWith("/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse")).containsExactly(call);
    // Bedrock's inputTokens (30) leaves out the cache reads (1000) and writes (200); semconv counts them
    assertThat(call.attr("gen_ai.usage.input_tokens")).isEqualTo(1230L);
    assertThat(call.attr("gen_ai.usage.output_tokens")).isEqualTo(45L);
    assertThat(call.attr("gen_ai.usage.cache_read.input_tokens")).isEqualTo(1000L);
    assertThat(call.attr("gen_ai.usage.cache_creation.input_tokens")).isEqualTo(200L);
    assertThat(call.attr("gen_ai.agent.name")).isEqualTo("analyst");
    assertThat(parentOf(call).name()).isEqualTo("invoke_agent analyst");
    assertThat(call.attr("agentmeter.baggage.task.id")).isEqualTo("task-42");
    assertThat(call.attr("agentmeter.baggage.client.id")).isEqualTo("acme");
    // the application still reads Bedrock's own figures
    assertThat(withAgentOutput).contains("RESULT bedrock: answer from " + model + " end_turn TokenUsage(InputTokens=30,"
        + " OutputTokens=45, TotalTokens=1275, CacheReadInputTokens=1000, CacheWriteInputTokens=200)");
  }

  @Test
  void bedrocksAsyncConverseAndConverseStreamAreTheAgentsOneSpanEachAttributedWithBedrocksInputTokens() {
    String[][] calls = {
        {"anthropic.claude-haiku-4-5-20251001-v1:0", "Converse", "converse"},
        {"anthropic.claude-opus-4-1-20250805-v1:0", "ConverseStream", "converse-stream"}};
    for (String[] c : calls) {
      assertThat(llmRequests()).containsOnlyOnce("bedrock " + c[0] + "/" + c[2]);
      Received call = single("chat " + c[0], "orchestrator");
      assertThat(call.scope()).isEqualTo("io.opentelemetry.aws-sdk-2.2");
      assertThat(call.span().getKind().name()).isEqualTo("SPAN_KIND_CLIENT");
      assertThat(call.attr("rpc.method")).isEqualTo(c[1]);
      assertThat(call.attr("gen_ai.provider.name")).isEqualTo("aws.bedrock");
      assertThat(call.attr("gen_ai.operation.name")).isEqualTo("chat");
      assertThat(call.attr("gen_ai.usage.output_tokens")).isEqualTo(45L);
      // not yet ours to complete: the agent's span is not current where the SDK builds the async
      // response or the stream's metadata event, so the input tokens are Bedrock's (without the
      // cache reads and writes) and the cache tokens are missing (see the README)
      assertThat(call.attr("gen_ai.usage.input_tokens")).isEqualTo(30L);
      assertThat(call.attr("gen_ai.usage.cache_read.input_tokens")).isNull();
      assertThat(call.attr("gen_ai.usage.cache_creation.input_tokens")).isNull();
      assertThat(call.attr("gen_ai.agent.name")).isEqualTo("analyst");
      assertThat(parentOf(call).name()).isEqualTo("invoke_agent analyst");
      assertThat(call.attr("agentmeter.baggage.task.id")).isEqualTo("task-42");
      // one call, one span: nothing under it (the Netty client's request is not a second span)
      assertThat(otlp.spans()).noneMatch(r -> r.span().getParentSpanId().equals(call.span().getSpanId()));
    }
    String usage = "TokenUsage(InputTokens=30, OutputTokens=45, TotalTokens=1275, CacheReadInputTokens=1000,"
        + " CacheWriteInputTokens=200)";
    assertThat(withAgentOutput).contains("RESULT bedrock async: answer from " + calls[0][0] + " " + usage)
        .contains("RESULT bedrock stream: answer from " + calls[1][0] + " [" + usage + "]");
  }

  @Test
  void langChain4jAgenticAgentsAreOneInvokeAgentSpanPerInvocationAndOwnTheirModelCalls() {
    assumeTrue(Boolean.getBoolean("agentmeter.it.agentic"), "langchain4j-agentic is not on the test "
        + "classpath: the build leaves it out when -Dlangchain4j.version is given (LangChain4j 1.0.0 "
        + "has no agentic module)");
    assertThat(withAgentOutput).contains("RESULT agentic standalone: answer from agentic-standalone")
        .contains("RESULT agentic sequence: answer from agentic-editor")
        .contains("RESULT agentic mapped: answer from agentic-editor");
    // an agent called on its own
    Received standaloneChat = single("chat agentic-standalone", "orchestrator");
    Received standalone = parentOf(standaloneChat);
    assertThat(standalone.name()).isEqualTo("invoke_agent creativeWriter");
    assertThat(standalone.scope()).isEqualTo("io.agentmeter.langchain4j-agentic");
    assertThat(standalone.span().getKind().name()).isEqualTo("SPAN_KIND_INTERNAL");
    assertThat(standalone.attr("gen_ai.operation.name")).isEqualTo("invoke_agent");
    assertThat(standalone.attr("gen_ai.agent.name")).isEqualTo("creativeWriter");
    assertThat(standaloneChat.attr("gen_ai.agent.name")).isEqualTo("creativeWriter");
    assertThat(standaloneChat.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
    assertThat(standaloneChat.attr("gen_ai.usage.output_tokens")).isEqualTo(30L);
    assertThat(standaloneChat.attr("agentmeter.baggage.task.id")).isEqualTo("task-42");
    // two runs of the sequence: called directly (its span is the module's) and inside the mapped
    // method of the same name (its span is the mapping's, and the sequence adds none)
    List<Received> pipelines = otlp.named("invoke_agent storyPipeline");
    assertThat(pipelines).extracting(Received::scope)
        .containsExactlyInAnyOrder("io.agentmeter.langchain4j-agentic", "io.agentmeter.agents");
    for (Received pipeline : pipelines) {
      assertThat(pipeline.attr("gen_ai.agent.name")).isEqualTo("storyPipeline");
      List<Received> steps = otlp.spans().stream()
          .filter(r -> r.span().getParentSpanId().equals(pipeline.span().getSpanId()))
          .collect(Collectors.toList());
      assertThat(steps).extracting(Received::name)
          .containsExactly("invoke_agent creativeWriter", "invoke_agent styleEditor");
      assertThat(steps).allMatch(r -> r.scope().equals("io.agentmeter.langchain4j-agentic"));
    }
    for (String[] agent : new String[][] {{"agentic-writer", "creativeWriter"}, {"agentic-editor", "styleEditor"}}) {
      List<Received> chats = otlp.named("chat " + agent[0]);
      assertThat(chats).hasSize(2);
      for (Received chat : chats) {
        assertThat(chat.attr("gen_ai.agent.name")).isEqualTo(agent[1]);
        assertThat(chat.attr("gen_ai.usage.input_tokens")).isEqualTo(120L);
        Received step = parentOf(chat);
        assertThat(step.name()).isEqualTo("invoke_agent " + agent[1]);
        assertThat(pipelines).contains(parentOf(step));
      }
    }
    // one invocation, one span: no agent span directly inside a span of the same agent
    List<Received> agents = otlp.spans().stream()
        .filter(r -> "invoke_agent".equals(r.attr("gen_ai.operation.name"))).collect(Collectors.toList());
    for (Received agent : agents) {
      assertThat(agents).noneMatch(a -> a.span().getSpanId().equals(agent.span().getParentSpanId())
          && a.name().equals(agent.name()));
    }
    assertThat(otlp.named("invoke_agent creativeWriter")).hasSize(5);
    assertThat(otlp.named("invoke_agent styleEditor")).hasSize(2);
    // every model call of the agents is one span
    long agenticCalls = llmRequests().stream()
        .filter(r -> r.startsWith("openai ") && isAgentic(r.substring("openai ".length()))).count();
    assertThat(agenticCalls).isEqualTo(9);
    assertThat(otlp.spans().stream().filter(r -> isAgentic((String) r.attr("gen_ai.request.model"))))
        .hasSize((int) agenticCalls);
  }

  @Test
  void aParallelAgenticWorkflowsSubAgentsRunOnOtherThreadsInsideItsSpan() {
    assumeTrue(Boolean.getBoolean("agentmeter.it.agentic"), "langchain4j-agentic is not on the test "
        + "classpath (LangChain4j 1.0.0 has no agentic module)");
    Received panel = single("invoke_agent reviewPanel", "orchestrator");
    assertThat(panel.scope()).isEqualTo("io.agentmeter.langchain4j-agentic");
    for (String critic : List.of("styleCritic", "plotCritic")) {
      Received chat = single("chat agentic-" + critic, "orchestrator");
      assertThat(chat.attr("gen_ai.agent.name")).isEqualTo(critic);
      Received agent = parentOf(chat);
      assertThat(agent.name()).isEqualTo("invoke_agent " + critic);
      assertThat(agent.attr("thread.name")).isNotEqualTo(panel.attr("thread.name"));
      assertThat(parentOf(agent)).isEqualTo(panel);
    }
    assertThat(withAgentOutput)
        .contains("RESULT agentic parallel: answer from agentic-styleCritic | answer from agentic-plotCritic");
  }

  @Test
  void aMappedPlainClassAgentIsOneSpanWhenTheAgenticModuleCallsIt() {
    assumeTrue(Boolean.getBoolean("agentmeter.it.agentic"), "langchain4j-agentic is not on the test "
        + "classpath (LangChain4j 1.0.0 has no agentic module)");
    Received counting = single("invoke_agent countingPipeline", "orchestrator");
    List<Received> steps = otlp.spans().stream()
        .filter(r -> r.span().getParentSpanId().equals(counting.span().getSpanId()))
        .collect(Collectors.toList());
    assertThat(steps).extracting(Received::name)
        .containsExactly("invoke_agent creativeWriter", "invoke_agent wordCounter");
    Received counter = steps.get(1);
    assertThat(counter.scope()).isEqualTo("io.agentmeter.langchain4j-agentic");
    // the mapped method the module called made no second agent span inside it...
    assertThat(otlp.spans()).noneMatch(r -> r.span().getParentSpanId().equals(counter.span().getSpanId()));
    // ...but called directly, the same mapped method is its agent
    Received direct = single("invoke_agent counter", "orchestrator");
    assertThat(direct.scope()).isEqualTo("io.agentmeter.agents");
    assertThat(direct.attr("gen_ai.agent.name")).isEqualTo("counter");
    assertThat(withAgentOutput).contains("RESULT agentic counted: 3").contains("RESULT counter direct: 4");
  }

  @Test
  void aFailedLangChain4jAgenticAgentRecordsTheErrorAndTheApplicationStillGetsIt() {
    assumeTrue(Boolean.getBoolean("agentmeter.it.agentic"), "langchain4j-agentic is not on the test "
        + "classpath (LangChain4j 1.0.0 has no agentic module)");
    Received chat = single("chat boom-agentic", "orchestrator");
    Received agent = parentOf(chat);
    assertThat(agent.name()).isEqualTo("invoke_agent creativeWriter");
    assertThat(agent.span().getStatus().getCode().name()).isEqualTo("STATUS_CODE_ERROR");
    String error = (String) agent.attr("error.type");
    assertThat(error).isNotBlank();
    assertThat(withAgentOutput).contains("RESULT agentic boom: " + error);
  }

  /**
   * What the fake provider was asked, in order: {@code <provider> <model>}, for Gemini and Vertex AI
   * {@code <provider> <model>:<method>}, for Bedrock {@code bedrock <model id>/<operation>}.
   */
  private static List<String> llmRequests() {
    return llm.calls().stream().map(c -> c.provider() + " " + switch (c.provider()) {
      case "gemini", "vertex" -> c.model() + ":" + c.operation();
      case "bedrock" -> c.model() + "/" + c.operation();
      default -> c.model();
    }).collect(Collectors.toList());
  }

  private static boolean isAgentic(String model) {
    return model != null && (model.startsWith("agentic-") || model.equals("boom-agentic"));
  }

  private static Received parentOf(Received child) {
    List<Received> found = otlp.spans().stream()
        .filter(r -> r.span().getSpanId().equals(child.span().getParentSpanId()))
        .collect(Collectors.toList());
    assertThat(found).as("the parent of '%s'", child.name()).hasSize(1);
    return found.get(0);
  }

  private static Received single(String name, String service) {
    List<Received> found = otlp.named(name).stream()
        .filter(r -> service.equals(r.resource().get("service.name"))).collect(Collectors.toList());
    assertThat(found).as("spans named '%s' from %s", name, service).hasSize(1);
    return found.get(0);
  }

  private static String results(Path log) throws IOException {
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("RESULT"))
        .collect(Collectors.joining("\n"));
  }

  private static Process fork(boolean withAgent, List<String> props, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (withAgent) {
      command.add("-javaagent:" + System.getProperty("agentmeter.it.agentJar"));
      command.add("-Dotel.javaagent.extensions=" + System.getProperty("agentmeter.it.extensionJar"));
      command.add("-Dotel.traces.exporter=otlp");
      command.add("-Dotel.exporter.otlp.protocol=http/protobuf");
      command.add("-Dotel.exporter.otlp.endpoint=" + otlp.baseUrl());
      command.add("-Dotel.metrics.exporter=none");
      command.add("-Dotel.logs.exporter=none");
      command.add("-Dotel.bsp.schedule.delay=100");
      command.addAll(props);
    }
    command.add("-cp");
    command.add(applicationClasspath());
    command.add(DemoApp.class.getName());
    command.addAll(Arrays.asList(args));
    String log = args[0] + (withAgent ? "" : "-plain") + ".log";
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile()).start();
  }

  /** The test classpath without our extension's classes and the agent's own SDK pieces. */
  private static String applicationClasspath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> !p.endsWith("javaagent-extension" + File.separator + "target" + File.separator + "classes"))
        .filter(p -> !p.contains("opentelemetry-sdk") && !p.contains("opentelemetry-javaagent")
            && !p.contains("byte-buddy") && !p.contains("opentelemetry-instrumentation")
            && !p.contains("auto-service") && !p.contains("autoconfigure"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
