package io.agentmeter.examples.research;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.agentmeter.examples.http.TopicService;
import io.agentmeter.examples.vectors.VectorStore;
import java.io.IOException;
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
    ResearchService service = new ResearchService(args[1]);
    TopicService.serve("research service", args.length > 2 ? args[2] : "127.0.0.1",
        Integer.parseInt(args[0]), "/research", "research failed", service::research);
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
