package io.agentmeter.examples.research;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.agentmeter.examples.http.QueryParameters;
import io.agentmeter.examples.vectors.VectorStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The research service: one agent (the researcher, named by the service's resource attributes),
 * behind {@code POST /research?topic=...}. It looks the topic up in the shared vector store, asks
 * gpt-4.1 for the findings (the SDK retries a 429 on its own), and has a self-hosted model behind an
 * OpenAI-compatible endpoint distil them. No AgentMeter code: it runs under the OpenTelemetry Java
 * agent with the AgentMeter extension.
 *
 * <p>{@code ResearchService PORT LLM_BASE_URL [BIND_HOST]} (the host defaults to 127.0.0.1)
 */
public final class ResearchService {

  private final OpenAIClient openai;
  private final OpenAIClient selfHosted;
  private final VectorStore vectors;

  ResearchService(String llmBaseUrl) {
    openai = OpenAIOkHttpClient.builder().baseUrl(llmBaseUrl + "/v1").apiKey("demo-key").build();
    selfHosted = OpenAIOkHttpClient.builder().baseUrl(llmBaseUrl + "/v1").apiKey("none")
        .maxRetries(0).build();
    vectors = new VectorStore(openai);
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    ResearchService service = new ResearchService(args[1]);
    HttpServer server = HttpServer.create(
        new InetSocketAddress(args.length > 2 ? args[2] : "127.0.0.1", port), 0);
    server.createContext("/research", service::handle);
    server.start();
    System.out.println("READY research service on port " + server.getAddress().getPort());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String topic = QueryParameters.required(exchange.getRequestURI(), "topic");
      byte[] body = research(topic).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (RuntimeException e) {
      byte[] body = ("research failed: " + e).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(502, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  String research(String topic) {
    List<String> passages = vectors.lookup(topic);
    ChatCompletion findings = openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4.1")
        .addSystemMessage("You are a meticulous researcher. Cite the passages.")
        .addUserMessage("Research " + topic + " using: " + String.join(" | ", passages))
        .build());
    String text = findings.choices().get(0).message().content().orElse("");
    ChatCompletion digest = selfHosted.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("acme-distill-7b")
        .addUserMessage("Distil into five bullet points: " + text)
        .build());
    return digest.choices().get(0).message().content().orElse("");
  }
}
