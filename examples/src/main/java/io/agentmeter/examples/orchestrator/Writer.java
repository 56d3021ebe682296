package io.agentmeter.examples.orchestrator;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.TextBlockParam;
import java.util.List;

/**
 * The writer agent ({@code Writer#write=writer}): drafts and then polishes the report with Claude.
 * The long house style guide is the system prompt, marked for prompt caching, so the first call
 * writes it to the cache and every later call reads it.
 */
public final class Writer {

  static final String STYLE_GUIDE = "House style for research reports. Lead with the answer. "
      + "Short sentences, active voice, numbers with units and dates, every claim sourced, "
      + "no hedging adjectives, one idea per paragraph, British spelling, headings as questions.";
  private final AnthropicClient anthropic;

  Writer(AnthropicClient anthropic) {
    this.anthropic = anthropic;
  }

  /** The finished report. */
  public String write(String plan, String research) {
    String draft = ask("Write the report. Plan: " + plan + " Research: " + research);
    return ask("Polish this draft for publication: " + draft);
  }

  private String ask(String prompt) {
    Message reply = anthropic.messages().create(MessageCreateParams.builder()
        .model("claude-sonnet-4-5")
        .maxTokens(2048)
        .systemOfTextBlockParams(List.of(TextBlockParam.builder().text(STYLE_GUIDE)
            .cacheControl(CacheControlEphemeral.builder().build()).build()))
        .addUserMessage(prompt)
        .build());
    return reply.content().get(0).text().map(t -> t.text()).orElse("");
  }
}
