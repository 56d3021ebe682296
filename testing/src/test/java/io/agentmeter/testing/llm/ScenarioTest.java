package io.agentmeter.testing.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScenarioTest {

  @Test
  void theExactModelWinsThenTheLongestPrefixAndOfAModelsLinesTheOneForTheCall() {
    Scenario s = Scenario.parse(String.join("\n",
        "openai.* = input=1",
        "openai.*@chat-stream = input=2",
        "openai.*@responses = input=3",
        "openai.gpt-* = input=4",
        "openai.gpt-4o = input=5",
        "openai.gpt-4o@embeddings = input=6",
        "bedrock.anthropic.claude-v1\\:0 = input=7"));
    assertThat(s.model("openai", "gpt-4o", "chat").input()).isEqualTo(5);
    assertThat(s.model("openai", "gpt-4o", "embeddings").input()).isEqualTo(6);
    assertThat(s.model("openai", "gpt-4.1", "chat-stream").input()).isEqualTo(4);
    assertThat(s.model("openai", "o3", "chat").input()).isEqualTo(1);
    assertThat(s.model("openai", "o3", "chat-stream").input()).isEqualTo(2);
    // a stream falls back to the line of the call it streams
    assertThat(s.model("openai", "o3", "responses-stream").input()).isEqualTo(3);
    assertThat(s.model("openai", "o3").line()).isEqualTo("openai.*");
    assertThat(s.model("bedrock", "anthropic.claude-v1:0", "converse").input()).isEqualTo(7);
    assertThat(s.model("anthropic", "claude", "messages")).isNull();
  }

  @Test
  void theServedNameDefaultsToTheRequestedModelAndMayNameIt() {
    Scenario s = Scenario.parse("openai.a = input=1\nopenai.b* = served={model}-2024\nopenai.c = served=c-1\n");
    assertThat(s.model("openai", "a").servedAs("a")).isEqualTo("a");
    assertThat(s.model("openai", "b7").servedAs("b7")).isEqualTo("b7-2024");
    assertThat(s.model("openai", "c").servedAs("c")).isEqualTo("c-1");
  }

  @Test
  void failuresCountTheFirstCallsOrEveryCall() {
    Scenario s = Scenario.parse("openai.a = fail=429x2\nopenai.b = fail=500\nopenai.c = input=1\n");
    assertThat(s.model("openai", "a").failStatus()).isEqualTo(429);
    assertThat(s.model("openai", "a").failures()).isEqualTo(2);
    assertThat(s.model("openai", "b").failures()).isEqualTo(Scenario.EVERY_CALL);
    assertThat(s.model("openai", "c").failures()).isZero();
  }

  @Test
  void aScenarioLineThatCannotBeReadIsRejectedByName() {
    assertThatThrownBy(() -> Scenario.parse("openai.m = input=ten\n"))
        .hasMessage("openai.m: input must be a whole number >= 0, not 'ten'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = input=-5\n"))
        .hasMessage("openai.m: input must be a whole number >= 0, not '-5'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = colour=red\n")).hasMessage("openai.m: unknown key 'colour'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = fail=200x1\n"))
        .hasMessage("openai.m: fail must be STATUS or STATUSxCOUNT with a STATUS of 400 to 599, not '200x1'");
    assertThatThrownBy(() -> Scenario.parse("openai.m = fail=429xmany\n"))
        .hasMessage("openai.m: fail must be STATUS or STATUSxCOUNT with a STATUS of 400 to 599, not '429xmany'");
    assertThatThrownBy(() -> Scenario.parse("model = input=1\n"))
        .hasMessage("scenario key 'model' is not <provider>.<model>[@<call>]");
    assertThatThrownBy(() -> Scenario.parse("mistral.m = input=1\n"))
        .hasMessage("mistral.m: unknown provider 'mistral' (openai, anthropic, gemini, vertex, bedrock)");
    assertThatThrownBy(() -> Scenario.parse("anthropic.m@chat = input=1\n"))
        .hasMessage("anthropic.m@chat: anthropic has no call 'chat' [messages, messages-stream]");
    assertThatThrownBy(() -> Scenario.parse("openai.gpt-*-mini = input=1\n"))
        .hasMessage("openai.gpt-*-mini: the model must be a name, or a prefix ending in *");
  }

  @Test
  void aMissingResourceIsNamed() {
    assertThatThrownBy(() -> Scenario.fromResource(ScenarioTest.class, "nowhere.properties"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("nowhere.properties is missing from the classpath (beside io.agentmeter.testing.llm.ScenarioTest)");
  }
}
