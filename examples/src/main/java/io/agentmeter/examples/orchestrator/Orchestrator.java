package io.agentmeter.examples.orchestrator;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.agentmeter.examples.http.TopicService;
import io.agentmeter.examples.vectors.VectorStore;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The orchestrator service: {@code POST /reports?topic=...} runs the research-report workflow:
 * the planner outlines, the research service (another process) researches, the writer writes and
 * the reviewer reviews. No AgentMeter code: agent roles come from the extension's config mapping,
 * and the task and client arrive as W3C baggage from whoever calls it (a gateway, in production).
 *
 * <p>{@code Orchestrator PORT LLM_BASE_URL RESEARCH_BASE_URL [BIND_HOST]} (the host defaults to
 * 127.0.0.1)
 */
public final class Orchestrator {

  private final Planner planner;
  private final Writer writer;
  private final Reviewer reviewer;
  private final String researchUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Orchestrator(String llmBaseUrl, String researchUrl) {
    OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(llmBaseUrl + "/v1").apiKey("demo-key").build();
    AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(llmBaseUrl).apiKey("demo-key").build();
    this.planner = new Planner(openai, new VectorStore(openai));
    this.writer = new Writer(anthropic);
    this.reviewer = new Reviewer(openai);
    this.researchUrl = researchUrl;
  }

  public static void main(String[] args) throws IOException {
    Orchestrator orchestrator = new Orchestrator(args[1], args[2]);
    TopicService.serve("orchestrator", args.length > 3 ? args[3] : "127.0.0.1",
        Integer.parseInt(args[0]), "/reports", "the workflow failed", orchestrator::report);
  }

  String report(String topic) throws IOException, InterruptedException {
    String plan = planner.plan(topic);
    HttpResponse<String> research = http.send(HttpRequest.newBuilder(URI.create(researchUrl
            + "/research?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (research.statusCode() != 200) {
      throw new IOException("the research service answered " + research.statusCode() + ": " + research.body());
    }
    String report = writer.write(plan, research.body());
    String verdict = reviewer.review(report);
    return report + "\n\nReview: " + verdict;
  }
}
