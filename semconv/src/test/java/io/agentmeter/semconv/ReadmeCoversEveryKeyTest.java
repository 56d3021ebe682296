package io.agentmeter.semconv;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadmeCoversEveryKeyTest {

  @Test
  void everyAttributeKeyConstantHasARowInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    List<String> keys = new ArrayList<>();
    keys.addAll(keysOf(GenAiAttributes.class));
    keys.addAll(keysOf(AgentMeterAttributes.class));

    assertThat(keys).hasSizeGreaterThan(40);
    for (String key : keys) {
      assertThat(readme).contains("| `" + key + "` |");
    }
  }

  @Test
  void ownKeysAreInTheAgentMeterNamespace() throws Exception {
    assertThat(keysOf(AgentMeterAttributes.class)).allMatch(key -> key.startsWith("agentmeter."));
    assertThat(AgentMeterAttributes.USAGE_TOOL_CALLS_PREFIX).startsWith("agentmeter.");
    assertThat(AgentMeterAttributes.traceCostForAgent("planner").getKey())
        .isEqualTo("agentmeter.trace.cost.agent.planner");
  }

  @Test
  void everyReadListStartsWithThePinnedName() {
    assertThat(GenAiAttributes.USAGE_INPUT_TOKENS_READ.get(0))
        .isEqualTo(GenAiAttributes.USAGE_INPUT_TOKENS.getKey());
    assertThat(GenAiAttributes.USAGE_CACHE_CREATION_READ)
        .startsWith("gen_ai.usage.cache_creation.input_tokens")
        .contains("gen_ai.usage.cache_write.input_tokens");
    assertThat(GenAiAttributes.PROVIDER_NAME_READ).containsExactly("gen_ai.provider.name", "gen_ai.system");
  }

  private static List<String> keysOf(Class<?> type) throws IllegalAccessException, IOException {
    List<String> keys = new ArrayList<>();
    for (Field field : type.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == AttributeKey.class) {
        keys.add(((AttributeKey<?>) field.get(null)).getKey());
      }
    }
    return keys;
  }
}
