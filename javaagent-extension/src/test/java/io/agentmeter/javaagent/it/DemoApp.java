package io.agentmeter.javaagent.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A small multi-agent application with no AgentMeter code in it, run in a forked JVM by the
 * integration test. {@code orchestrator BASE_URL RESEARCH_URL} runs the planner and researcher
 * agents (roles come from the extension's config mapping) and calls the research service;
 * {@code research-service BASE_URL PORT} is that service (its role comes from its resource).
 * Every result or exception the application sees is printed, so runs with and without the agent
 * can be compared line by line.
 */
public final class DemoApp {

  public static void main(String[] args) throws Exception {
    if (args[0].equals("research-service")) {
      researchService(args[1], Integer.parseInt(args[2]));
      return;
    }
    if (args[0].equals("noop")) {
      System.out.println("RESULT noop");
      return;
    }
    if (args[0].equals("bench")) {
      bench(args[1], Integer.parseInt(args[2]));
      return;
    }
    String base = args[1];
    OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("test")
        .maxRetries(0).build();
    AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("test")
        .maxRetries(0).build();
    // The entry point (a gateway, in production) sets task and client once, as baggage.
    Baggage baggage = Baggage.builder()
        .put("agentmeter.task.id", "task-42").put("agentmeter.client.id", "acme").build();
    try (Scope ignored = baggage.makeCurrent()) {
      new Planner(openai, args[2]).run();
      new Researcher(openai).research();
      new Writer(anthropic).write();
      new Reviewer(base).review();
      agentic(base);
      new Analyst(base).analyse();
      ChatCompletion raw = openai.chat().completions().withRawResponse()
          .create(chat("gpt-4o-mini-raw")).parse();
      System.out.println("RESULT raw: " + raw.choices().get(0).message().content().orElse(""));
      com.google.genai.Client gemini = com.google.genai.Client.builder().apiKey("test")
          .httpOptions(com.google.genai.types.HttpOptions.builder().baseUrl(base).build()).build();
      System.out.println("RESULT gemini: "
          + gemini.models.generateContent("gemini-2.5-flash", "summarise", null).text());
      StringBuilder streamed = new StringBuilder();
      try (com.google.genai.ResponseStream<com.google.genai.types.GenerateContentResponse> stream =
          gemini.models.generateContentStream("gemini-2.5-pro", "stream a summary", null)) {
        for (com.google.genai.types.GenerateContentResponse chunk : stream) {
          streamed.append(chunk.text());
        }
      }
      System.out.println("RESULT gemini stream: " + streamed);
      gemini(gemini, base);
      ChatCompletion later = openai.async().chat().completions().create(chat("gpt-4.1-mini")).join();
      System.out.println("RESULT async: " + later.choices().get(0).message().content().orElse(""));
      com.openai.models.responses.Response response = openai.responses().create(
          com.openai.models.responses.ResponseCreateParams.builder().model("gpt-4.1").input("hi").build());
      System.out.println("RESULT responses: " + response.id());
      streamingForms(openai);
      rawForms(openai);
      com.openai.models.embeddings.CreateEmbeddingResponse vectors = openai.embeddings().create(
          com.openai.models.embeddings.EmbeddingCreateParams.builder()
              .model("text-embedding-3-small").input("tariffs").build());
      System.out.println("RESULT embeddings: " + vectors.data().size());
      com.openai.models.embeddings.CreateEmbeddingResponse asyncVectors = openai.async().embeddings().create(
          com.openai.models.embeddings.EmbeddingCreateParams.builder()
              .model("text-embedding-ada-002").input("async tariffs").build()).join();
      System.out.println("RESULT async embeddings: " + asyncVectors.data().size());
      com.openai.models.embeddings.CreateEmbeddingResponse rawVectors = openai.embeddings().withRawResponse()
          .create(com.openai.models.embeddings.EmbeddingCreateParams.builder()
              .model("text-embedding-raw").input("raw tariffs").build()).parse();
      System.out.println("RESULT raw embeddings: " + rawVectors.data().size());
      com.openai.models.embeddings.CreateEmbeddingResponse asyncRawVectors = openai.async().embeddings()
          .withRawResponse().create(com.openai.models.embeddings.EmbeddingCreateParams.builder()
              .model("text-embedding-async-raw").input("async raw tariffs").build()).join().parse();
      System.out.println("RESULT async raw embeddings: " + asyncRawVectors.data().size());
      try {
        openai.chat().completions().create(chat("boom"));
        System.out.println("RESULT boom: no error");
      } catch (RuntimeException e) {
        System.out.println("RESULT boom: " + e.getClass().getName());
      }
    }
    // The async client's idle threads would keep the JVM alive for a minute; the agent flushes
    // its spans in a shutdown hook.
    System.exit(0);
  }

  /**
   * The LangChain4j agentic part, when langchain4j-agentic is on the classpath (it is not with
   * LangChain4j 1.0.0, which has no agentic module; the build then leaves the class out).
   */
  static void agentic(String base) throws Exception {
    Class<?> demo;
    try {
      demo = Class.forName("io.agentmeter.javaagent.it.agentic.AgenticDemo");
    } catch (ClassNotFoundException e) {
      return;
    }
    demo.getMethod("run", String.class).invoke(null, base);
  }

  /** Google GenAI embeddings (Gemini Developer API and Vertex AI) and the async calls. */
  static void gemini(com.google.genai.Client gemini, String base) throws Exception {
    System.out.println("RESULT gemini embeddings: " + gemini.models.embedContent(
        "gemini-embedding-001", List.of("tariffs", "quotas"), null).embeddings().map(List::size).orElse(0));
    // Vertex AI in express mode (an API key, no project)
    com.google.genai.Client vertex = com.google.genai.Client.builder().apiKey("test").vertexAI(true)
        .httpOptions(com.google.genai.types.HttpOptions.builder().baseUrl(base).build()).build();
    System.out.println("RESULT vertex embeddings: " + vertex.models.embedContent(
        "text-embedding-005", List.of("a passage", "another passage"), null).embeddings().map(List::size).orElse(0));
    System.out.println("RESULT gemini async: "
        + gemini.async.models.generateContent("gemini-2.0-flash", "summarise later", null).join().text());
    StringBuilder streamed = new StringBuilder();
    try (com.google.genai.ResponseStream<com.google.genai.types.GenerateContentResponse> stream =
        gemini.async.models.generateContentStream("gemini-2.5-flash-lite", "stream later", null).join()) {
      for (com.google.genai.types.GenerateContentResponse chunk : stream) {
        streamed.append(chunk.text());
      }
    }
    System.out.println("RESULT gemini async stream: " + streamed);
    System.out.println("RESULT gemini async boom: " + gemini.async.models
        .generateContent("boom-gemini", "fail", null).handle((done, e) -> e == null ? "no error"
            : (e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).getClass().getName())
        .join());
    System.out.println("RESULT vertex async embeddings: " + vertex.async.models.embedContent(
        "text-multilingual-embedding-002", List.of("one", "two", "three"), null).join()
        .embeddings().map(List::size).orElse(0));
  }

  /** The streaming and asynchronous forms of chat completions and the Responses API. */
  static void streamingForms(OpenAIClient openai) {
    StringBuilder asyncChat = new StringBuilder();
    openai.async().chat().completions().createStreaming(ChatCompletionCreateParams.builder()
            .model("o4-mini").addUserMessage("stream asynchronously")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())
        .subscribe(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(asyncChat::append)))
        .onCompleteFuture().join();
    System.out.println("RESULT async stream: " + asyncChat);
    java.util.concurrent.CompletableFuture<Void> failed = openai.async().chat().completions()
        .createStreaming(chat("boom-stream")).subscribe(chunk -> { }).onCompleteFuture();
    System.out.println("RESULT async stream boom: " + failed.handle((done, e) -> e == null ? "no error"
        : (e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).getClass().getName()).join());
    try (com.openai.core.http.StreamResponse<ResponseStreamEvent> events =
        openai.responses().createStreaming(responseParams("gpt-5"))) {
      System.out.println("RESULT responses stream: " + events.stream()
          .flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta()).collect(Collectors.joining()));
    }
    try (com.openai.core.http.StreamResponse<ResponseStreamEvent> events =
        openai.responses().createStreaming(responseParams("o3"))) {
      System.out.println("RESULT responses stream, first event only: "
          + events.stream().findFirst().map(ResponseStreamEvent::isCreated).orElse(false));
    }
    com.openai.models.responses.Response later = openai.async().responses()
        .create(responseParams("gpt-5-mini")).join();
    System.out.println("RESULT async responses: " + later.id());
    StringBuilder asyncEvents = new StringBuilder();
    openai.async().responses().createStreaming(responseParams("gpt-5-nano"))
        .subscribe(e -> e.outputTextDelta().ifPresent(d -> asyncEvents.append(d.delta())))
        .onCompleteFuture().join();
    System.out.println("RESULT async responses stream: " + asyncEvents);
  }

  /**
   * The raw-response forms ({@code withRawResponse()}) of chat completions and the Responses API:
   * streaming, sync and async; a raw stream closed without being parsed; raw calls that fail.
   */
  static void rawForms(OpenAIClient openai) {
    try (com.openai.core.http.HttpResponseFor<com.openai.core.http.StreamResponse<ChatCompletionChunk>> raw =
        openai.chat().completions().withRawResponse().createStreaming(streamingChat("gpt-4o-raw-stream"));
        com.openai.core.http.StreamResponse<ChatCompletionChunk> chunks = raw.parse()) {
      System.out.println("RESULT raw stream: " + raw.statusCode() + " " + chunks.stream()
          .flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
          .collect(Collectors.joining()));
    }
    try (com.openai.core.http.HttpResponseFor<com.openai.core.http.StreamResponse<ChatCompletionChunk>> raw =
        openai.chat().completions().withRawResponse().createStreaming(streamingChat("gpt-4o-raw-unread"))) {
      System.out.println("RESULT raw stream, unread: " + raw.statusCode());
    }
    com.openai.core.http.HttpResponseFor<com.openai.models.responses.Response> rawResponse =
        openai.responses().withRawResponse().create(responseParams("gpt-4.1-raw"));
    System.out.println("RESULT raw responses: " + rawResponse.statusCode() + " " + rawResponse.parse().id()
        + " " + rawResponse.parse().id());
    try (com.openai.core.http.HttpResponseFor<com.openai.core.http.StreamResponse<ResponseStreamEvent>> raw =
        openai.responses().withRawResponse().createStreaming(responseParams("gpt-5-raw"));
        com.openai.core.http.StreamResponse<ResponseStreamEvent> events = raw.parse()) {
      System.out.println("RESULT raw responses stream: " + events.stream()
          .flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta()).collect(Collectors.joining()));
    }
    ChatCompletion asyncRaw = openai.async().chat().completions().withRawResponse()
        .create(chat("gpt-4.1-mini-raw")).join().parse();
    System.out.println("RESULT async raw: " + asyncRaw.choices().get(0).message().content().orElse(""));
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> chunks = openai.async().chat().completions()
        .withRawResponse().createStreaming(streamingChat("o4-mini-raw")).join().parse()) {
      System.out.println("RESULT async raw stream: " + chunks.stream()
          .flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
          .collect(Collectors.joining()));
    }
    System.out.println("RESULT async raw responses: " + openai.async().responses().withRawResponse()
        .create(responseParams("gpt-5-mini-raw")).join().parse().id());
    try (com.openai.core.http.StreamResponse<ResponseStreamEvent> events = openai.async().responses()
        .withRawResponse().createStreaming(responseParams("gpt-5-nano-raw")).join().parse()) {
      System.out.println("RESULT async raw responses stream: " + events.stream()
          .flatMap(e -> e.outputTextDelta().stream()).map(d -> d.delta()).collect(Collectors.joining()));
    }
    try {
      openai.chat().completions().withRawResponse().createStreaming(streamingChat("boom-raw-stream"));
      System.out.println("RESULT raw stream boom: no error");
    } catch (RuntimeException e) {
      System.out.println("RESULT raw stream boom: " + e.getClass().getName());
    }
    System.out.println("RESULT async raw boom: " + openai.async().chat().completions().withRawResponse()
        .create(chat("boom-raw-async")).handle((done, e) -> e == null ? "no error"
            : (e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).getClass().getName())
        .join());
  }

  static ChatCompletionCreateParams streamingChat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("stream raw")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
  }

  static ResponseCreateParams responseParams(String model) {
    return ResponseCreateParams.builder().model(model).input("plan the research").build();
  }

  static ChatCompletionCreateParams chat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("hello").build();
  }

  /** Mapped to agent "planner" by configuration. */
  public static final class Planner {
    private final OpenAIClient openai;
    private final String researchUrl;

    Planner(OpenAIClient openai, String researchUrl) {
      this.openai = openai;
      this.researchUrl = researchUrl;
    }

    public void run() throws Exception {
      ChatCompletion plan = openai.chat().completions().create(chat("gpt-4o-mini"));
      System.out.println("RESULT plan: " + plan.choices().get(0).message().content().orElse(""));
      HttpResponse<String> research = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(researchUrl)).build(),
          HttpResponse.BodyHandlers.ofString());
      System.out.println("RESULT research service: " + research.statusCode() + " " + research.body());
    }
  }

  /** Mapped to agent "researcher" by configuration: research and search. */
  public static final class Researcher {
    private final OpenAIClient openai;

    Researcher(OpenAIClient openai) {
      this.openai = openai;
    }

    public void research() {
      ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o")
          .addUserMessage("stream please")
          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
          .build();
      try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream =
          openai.chat().completions().createStreaming(params)) {
        String text = stream.stream()
            .flatMap(c -> c.choices().stream())
            .map(c -> c.delta().content().orElse(""))
            .collect(Collectors.joining());
        System.out.println("RESULT stream: " + text);
      }
      search();
    }

    public void search() {
      ChatCompletion found = openai.chat().completions().create(chat("gpt-4o"));
      System.out.println("RESULT search: " + found.choices().get(0).message().content().orElse(""));
    }
  }

  /** Mapped to agent "reviewer"; uses LangChain4j's own OpenAI client, not openai-java. */
  public static final class Reviewer {
    private final dev.langchain4j.model.openai.OpenAiChatModel model;
    private final String base;

    Reviewer(String base) {
      this.base = base;
      this.model = dev.langchain4j.model.openai.OpenAiChatModel.builder()
          .baseUrl(base + "/v1").apiKey("test").modelName("gpt-4.1-nano").maxRetries(0).build();
    }

    public void review() throws Exception {
      System.out.println("RESULT review: " + model.chat("review this"));
      dev.langchain4j.model.openai.OpenAiStreamingChatModel streaming =
          dev.langchain4j.model.openai.OpenAiStreamingChatModel.builder()
              .baseUrl(base + "/v1").apiKey("test").modelName("gpt-4o").build();
      java.util.concurrent.CompletableFuture<String> done = new java.util.concurrent.CompletableFuture<>();
      streaming.chat("stream the review", new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
        private final StringBuilder text = new StringBuilder();

        @Override
        public void onPartialResponse(String partial) {
          text.append(partial);
        }

        @Override
        public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse response) {
          done.complete(text.toString());
        }

        @Override
        public void onError(Throwable error) {
          done.completeExceptionally(error);
        }
      });
      System.out.println("RESULT review stream: " + done.get(30, java.util.concurrent.TimeUnit.SECONDS));
      dev.langchain4j.model.openai.OpenAiEmbeddingModel embeddings =
          dev.langchain4j.model.openai.OpenAiEmbeddingModel.builder()
              .baseUrl(base + "/v1").apiKey("test").modelName("text-embedding-3-large").build();
      System.out.println("RESULT review embedding: "
          + embeddings.embed("a passage to index").content().dimension());
    }
  }

  /** Mapped to agent "analyst"; calls Bedrock's Converse API through the AWS SDK: sync, async and streaming. */
  public static final class Analyst {
    private final software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient bedrock;
    private final String base;

    Analyst(String base) {
      this.base = base;
      this.bedrock = software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient.builder()
          .region(software.amazon.awssdk.regions.Region.US_EAST_1)
          .endpointOverride(URI.create(base))
          .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
          .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
              software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIDTEST", "test")))
          .build();
    }

    public void analyse() {
      software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse answer = bedrock.converse(r -> r
          .modelId("anthropic.claude-sonnet-4-5-20250929-v1:0")
          .messages(software.amazon.awssdk.services.bedrockruntime.model.Message.builder()
              .role(software.amazon.awssdk.services.bedrockruntime.model.ConversationRole.USER)
              .content(software.amazon.awssdk.services.bedrockruntime.model.ContentBlock.fromText("analyse"))
              .build()));
      System.out.println("RESULT bedrock: " + answer.output().message().content().get(0).text()
          + " " + answer.stopReasonAsString() + " " + answer.usage());
      try (software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient async =
          software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient.builder()
              .region(software.amazon.awssdk.regions.Region.US_EAST_1)
              .endpointOverride(URI.create(base))
              .httpClientBuilder(software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
                  .protocol(software.amazon.awssdk.http.Protocol.HTTP1_1))
              .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                  software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIDTEST", "test")))
              .build()) {
        software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse later = async.converse(r -> r
            .modelId("anthropic.claude-haiku-4-5-20251001-v1:0").messages(userMessage("analyse later"))).join();
        System.out.println("RESULT bedrock async: " + later.output().message().content().get(0).text()
            + " " + later.usage());
        StringBuilder text = new StringBuilder();
        java.util.List<Object> usage = new java.util.ArrayList<>();
        async.converseStream(r -> r.modelId("anthropic.claude-opus-4-1-20250805-v1:0")
                .messages(userMessage("stream the analysis")),
            software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler.builder()
                .subscriber(software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler
                    .Visitor.builder()
                    .onContentBlockDelta(e -> text.append(e.delta().text()))
                    .onMetadata(m -> usage.add(m.usage()))
                    .build())
                .build()).join();
        System.out.println("RESULT bedrock stream: " + text + " " + usage);
      }
    }

    private software.amazon.awssdk.services.bedrockruntime.model.Message userMessage(String text) {
      return software.amazon.awssdk.services.bedrockruntime.model.Message.builder()
          .role(software.amazon.awssdk.services.bedrockruntime.model.ConversationRole.USER)
          .content(software.amazon.awssdk.services.bedrockruntime.model.ContentBlock.fromText(text))
          .build();
    }
  }

  /** Not mapped: its calls belong to no in-process agent. */
  public static final class Writer {
    private final AnthropicClient anthropic;

    Writer(AnthropicClient anthropic) {
      this.anthropic = anthropic;
    }

    public void write() {
      MessageCreateParams params = MessageCreateParams.builder().model("claude-sonnet-4-5")
          .maxTokens(100).addUserMessage("write").build();
      Message draft = anthropic.messages().create(params);
      System.out.println("RESULT draft: " + draft.content().get(0).text().map(t -> t.text()).orElse(""));
      try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(params)) {
        List<String> types = stream.stream().map(e -> e.isMessageStart() ? "start"
            : e.isMessageDelta() ? "delta" : e.isMessageStop() ? "stop" : "block").collect(Collectors.toList());
        System.out.println("RESULT draft stream: " + types);
      }
      com.anthropic.models.beta.messages.BetaMessage beta = anthropic.beta().messages().create(
          com.anthropic.models.beta.messages.MessageCreateParams.builder().model("claude-haiku-4-5")
              .maxTokens(100).addUserMessage("beta").build());
      System.out.println("RESULT beta: " + beta.content().get(0).text().map(t -> t.text()).orElse(""));
    }
  }

  /** Times {@code calls} chat completions after a warm-up; prints nanoseconds per call. */
  static void bench(String base, int calls) {
    OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("test")
        .maxRetries(0).build();
    ChatCompletionCreateParams params = chat("gpt-4o-mini");
    for (int i = 0; i < calls / 2; i++) {
      openai.chat().completions().create(params);
    }
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpu = os.getProcessCpuTime();
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      openai.chat().completions().create(params);
    }
    System.out.println("BENCH " + (System.nanoTime() - start) / calls + " "
        + (os.getProcessCpuTime() - cpu) / calls);
  }

  static void researchService(String base, int port) throws Exception {
    OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("test")
        .maxRetries(0).build();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/research", exchange -> {
      ChatCompletion answer = openai.chat().completions().create(chat("gpt-4o-mini"));
      byte[] body = answer.choices().get(0).message().content().orElse("").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    System.out.println("READY");
  }
}
