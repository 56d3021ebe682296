package io.agentmeter.examples.orchestrator;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.api.trace.Span;

/**
 * The reviewer agent ({@code Reviewer#review=reviewer}) on a cheap model. Like many agent
 * frameworks it also records its total usage on its own agent span (the current span inside the
 * mapped method), so that span carries the aggregate of its model calls: the cost layer must not
 * bill it a second time.
 */
public final class Reviewer {

  private final OpenAIClient openai;

  Reviewer(OpenAIClient openai) {
    this.openai = openai;
  }

  /** A verdict on {@code report}. */
  public String review(String report) {
    ChatCompletion verdict = openai.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini")
        .addSystemMessage("You review reports for accuracy and style. Answer APPROVED or list fixes.")
        .addUserMessage(report)
        .build());
    verdict.usage().ifPresent(usage -> Span.current()
        .setAttribute("gen_ai.usage.input_tokens", usage.promptTokens())
        .setAttribute("gen_ai.usage.output_tokens", usage.completionTokens()));
    return verdict.choices().get(0).message().content().orElse("");
  }
}
