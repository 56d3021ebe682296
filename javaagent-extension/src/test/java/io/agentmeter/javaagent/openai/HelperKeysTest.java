package io.agentmeter.javaagent.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.javaagent.common.LlmCall;
import io.agentmeter.javaagent.common.LlmSpans;
import io.agentmeter.javaagent.genai.GoogleGenAiInstrumentationModule;
import io.agentmeter.javaagent.langchain4j.LangChain4jInstrumentationModule;
import io.agentmeter.semconv.GenAiAttributes;
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
    String[] common = {LlmCall.class.getName(), LlmSpans.class.getName(), LlmSpans.Call.class.getName()};
    assertThat(new OpenAiInstrumentationModule().getAdditionalHelperClassNames())
        .contains(common)
        .contains(OpenAiHelper.class.getName(), OpenAiHelper.TracingStreamResponse.class.getName(),
            OpenAiHelper.TracingRawResponse.class.getName(),
            OpenAiHelper.EndingSpliterator.class.getName(), OpenAiResponses.class.getName())
        .hasSize(8);
    assertThat(OpenAiHelper.class.getDeclaredClasses()).hasSize(3);
    assertThat(LlmSpans.class.getDeclaredClasses()).hasSize(1);
    assertThat(new LangChain4jInstrumentationModule().getAdditionalHelperClassNames())
        .contains(common).hasSize(5);
    assertThat(new GoogleGenAiInstrumentationModule().getAdditionalHelperClassNames())
        .contains(common).hasSize(5);
  }
}
