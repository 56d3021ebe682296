package io.agentmeter.javaagent.it.agentic;

import dev.langchain4j.agentic.Agent;
import dev.langchain4j.agentic.AgenticServices;
import dev.langchain4j.agentic.UntypedAgent;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;
import java.util.Map;

/**
 * The test application's LangChain4j agentic part (compiled only when langchain4j-agentic is on
 * the classpath; {@code DemoApp} calls it by name): a standalone agent, a sequence of two agents
 * called directly, the same kind of sequence called inside a mapped method of the same agent name,
 * a parallel workflow, a plain-class agent that is also mapped, and an agent whose model fails. Every agent has its own model name, so the
 * fake server and the spans tell them apart.
 */
public final class AgenticDemo {

  private AgenticDemo() {}

  public interface CreativeWriter {
    @UserMessage("Write a short story about {{topic}}.")
    @Agent(name = "creativeWriter", description = "writes a story", outputKey = "story")
    String generateStory(@V("topic") String topic);
  }

  public interface StyleEditor {
    @UserMessage("Edit this story: {{story}}")
    @Agent(name = "styleEditor", description = "edits a story", outputKey = "story")
    String editStory(@V("story") String story);
  }

  public interface Critic {
    @UserMessage("Review this story: {{story}}")
    @Agent(description = "reviews a story")
    String review(@V("story") String story);
  }

  /**
   * A plain-class agent (no model), mapped to agent "counter" by configuration as well: called by
   * the agentic module it is the module's agent "wordCounter", called directly it is "counter".
   */
  public static final class WordCounter {
    @Agent(name = "wordCounter", description = "counts words", outputKey = "words")
    public int count(@V("story") String story) {
      return story.trim().split("\\s+").length;
    }
  }

  /** Mapped to agent "storyPipeline" by configuration: the agentic sequence of that name inside it. */
  public static final class Storyteller {
    private final UntypedAgent pipeline;

    Storyteller(UntypedAgent pipeline) {
      this.pipeline = pipeline;
    }

    public Object tell(String topic) {
      return pipeline.invoke(Map.of("topic", topic));
    }
  }

  public static void run(String base) {
    CreativeWriter alone = AgenticServices.agentBuilder(CreativeWriter.class)
        .chatModel(model(base, "agentic-standalone")).build();
    System.out.println("RESULT agentic standalone: " + alone.generateStory("robots"));
    System.out.println("RESULT agentic sequence: " + pipeline(base).invoke(Map.of("topic", "dragons")));
    System.out.println("RESULT agentic mapped: " + new Storyteller(pipeline(base)).tell("castles"));
    // a parallel workflow runs its sub-agents on other threads
    UntypedAgent panel = AgenticServices.parallelBuilder().name("reviewPanel")
        .subAgents(critic(base, "styleCritic"), critic(base, "plotCritic"))
        .output(scope -> scope.readState("styleCritic") + " | " + scope.readState("plotCritic")).build();
    System.out.println("RESULT agentic parallel: " + panel.invoke(Map.of("story", "a dragon story")));
    CreativeWriter counted = AgenticServices.agentBuilder(CreativeWriter.class)
        .chatModel(model(base, "agentic-counted")).build();
    UntypedAgent counting = AgenticServices.sequenceBuilder().name("countingPipeline")
        .subAgents(counted, new WordCounter()).output(scope -> scope.readState("words")).build();
    System.out.println("RESULT agentic counted: " + counting.invoke(Map.of("topic", "numbers")));
    System.out.println("RESULT counter direct: " + new WordCounter().count("four words counted here"));
    CreativeWriter failing = AgenticServices.agentBuilder(CreativeWriter.class)
        .chatModel(model(base, "boom-agentic")).build();
    try {
      System.out.println("RESULT agentic boom: " + failing.generateStory("errors"));
    } catch (RuntimeException e) {
      System.out.println("RESULT agentic boom: " + e.getClass().getName());
    }
  }

  static UntypedAgent pipeline(String base) {
    CreativeWriter writer = AgenticServices.agentBuilder(CreativeWriter.class)
        .chatModel(model(base, "agentic-writer")).build();
    StyleEditor editor = AgenticServices.agentBuilder(StyleEditor.class)
        .chatModel(model(base, "agentic-editor")).build();
    return AgenticServices.sequenceBuilder().name("storyPipeline").subAgents(writer, editor)
        .outputKey("story").build();
  }

  static Critic critic(String base, String name) {
    return AgenticServices.agentBuilder(Critic.class).name(name).outputKey(name)
        .chatModel(model(base, "agentic-" + name)).build();
  }

  static OpenAiChatModel model(String base, String name) {
    return OpenAiChatModel.builder().baseUrl(base + "/v1").apiKey("test").modelName(name)
        .maxRetries(0).build();
  }
}
