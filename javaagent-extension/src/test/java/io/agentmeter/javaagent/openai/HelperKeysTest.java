package io.agentmeter.javaagent.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.javaagent.agents.AgentHelper;
import io.agentmeter.javaagent.agents.AgentMapping;
import io.agentmeter.javaagent.agents.AgentMethodsInstrumentationModule;
import io.agentmeter.javaagent.bedrock.BedrockHelper;
import io.agentmeter.javaagent.bedrock.BedrockInstrumentationModule;
import io.agentmeter.javaagent.common.LlmCall;
import io.agentmeter.javaagent.common.LlmSpans;
import io.agentmeter.javaagent.genai.GoogleGenAiHelper;
import io.agentmeter.javaagent.genai.GoogleGenAiInstrumentationModule;
import io.agentmeter.javaagent.langchain4j.LangChain4jAgenticHelper;
import io.agentmeter.javaagent.langchain4j.LangChain4jAgenticInstrumentationModule;
import io.agentmeter.javaagent.langchain4j.LangChain4jHelper;
import io.agentmeter.javaagent.langchain4j.LangChain4jInstrumentationModule;
import io.agentmeter.semconv.GenAiAttributes;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Helpers cannot see the semconv classes at run time, so their literal keys are checked here. */
class HelperKeysTest {

  @Test
  void theHelpersWriteTheContractsKeys() {
    assertThat(LlmSpans.OPERATION_NAME).isEqualTo(GenAiAttributes.OPERATION_NAME);
    assertThat(LlmSpans.PROVIDER_NAME).isEqualTo(GenAiAttributes.PROVIDER_NAME);
    assertThat(LlmSpans.REQUEST_MODEL).isEqualTo(GenAiAttributes.REQUEST_MODEL);
    assertThat(LlmSpans.RESPONSE_MODEL).isEqualTo(GenAiAttributes.RESPONSE_MODEL);
    assertThat(LlmSpans.RESPONSE_ID).isEqualTo(GenAiAttributes.RESPONSE_ID);
    assertThat(LlmSpans.INPUT_TOKENS).isEqualTo(GenAiAttributes.USAGE_INPUT_TOKENS);
    assertThat(LlmSpans.OUTPUT_TOKENS).isEqualTo(GenAiAttributes.USAGE_OUTPUT_TOKENS);
    assertThat(LlmSpans.CACHE_READ_TOKENS).isEqualTo(GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS);
    assertThat(LlmSpans.CACHE_CREATION_TOKENS)
        .isEqualTo(GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS);
    assertThat(LlmSpans.REASONING_TOKENS).isEqualTo(GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS);
    assertThat(LlmSpans.SERVICE_TIER).isEqualTo(GenAiAttributes.OPENAI_RESPONSE_SERVICE_TIER);
    assertThat(LlmSpans.ERROR_TYPE).isEqualTo(GenAiAttributes.ERROR_TYPE);
  }

  @Test
  void everyHelperClassIsListedForInjection() {
    // Unlisted helpers fail at run time with NoClassDefFoundError in the application.
    assertListsExactly(new OpenAiInstrumentationModule(), OpenAiHelper.class, OpenAiResponses.class);
    assertListsExactly(new LangChain4jInstrumentationModule(), LangChain4jHelper.class);
    assertListsExactly(new GoogleGenAiInstrumentationModule(), GoogleGenAiHelper.class);
    assertListsExactly(new BedrockInstrumentationModule(), BedrockHelper.class);
    // the agentic agents' spans are the mapping's agent spans: its helpers, not the LLM ones
    List<String> agentic = new ArrayList<>();
    for (Class<?> helper : List.of(AgentMapping.class, AgentHelper.class, LangChain4jAgenticHelper.class)) {
      agentic.add(helper.getName());
      Arrays.stream(helper.getDeclaredClasses()).map(Class::getName).forEach(agentic::add);
    }
    assertThat(new LangChain4jAgenticInstrumentationModule().getAdditionalHelperClassNames())
        .containsExactlyInAnyOrderElementsOf(agentic);
    assertThat(new AgentMethodsInstrumentationModule().getAdditionalHelperClassNames())
        .containsExactlyInAnyOrder(AgentMapping.class.getName(), AgentHelper.class.getName(),
            AgentHelper.Open.class.getName());
  }

  /** The module lists the common helpers, {@code helpers} and every class nested in them; nothing else. */
  private static void assertListsExactly(InstrumentationModule module, Class<?>... helpers) {
    List<String> expected = new ArrayList<>();
    for (Class<?> helper : Stream.concat(Stream.of(LlmCall.class, LlmSpans.class), Arrays.stream(helpers))
        .toArray(Class<?>[]::new)) {
      expected.add(helper.getName());
      for (Class<?> nested : helper.getDeclaredClasses()) {
        expected.add(nested.getName());
      }
    }
    assertThat(module.getAdditionalHelperClassNames()).containsExactlyInAnyOrderElementsOf(expected);
  }
}
