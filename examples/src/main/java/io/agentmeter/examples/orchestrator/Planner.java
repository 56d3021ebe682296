package io.agentmeter.examples.orchestrator;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.agentmeter.examples.vectors.VectorStore;
import java.util.List;

/** The planner agent (by the extension's config mapping: {@code Planner#plan=planner}). */
public final class Planner {

  private final OpenAIClient openai;
  private final VectorStore vectors;

  Planner(OpenAIClient openai, VectorStore vectors) {
    this.openai = openai;
    this.vectors = vectors;
  }

  /** An outline for a report on {@code topic}, from what the vector store knows about it. */
  public String plan(String topic) {
    List<String> known = vectors.lookup(topic);
    return openai.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("gpt-4o")
            .addSystemMessage("You plan research reports: sections, questions, sources.")
            .addUserMessage("Plan a report on " + topic + ". We already have: " + String.join(" | ", known))
            .build())
        .choices().get(0).message().content().orElse("");
  }
}
