package io.agentmeter.javaagent.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.semconv.GenAiAttributes;
import org.junit.jupiter.api.Test;

/** Helpers cannot see the semconv classes at run time, so their literal keys are checked here. */
class HelperKeysTest {

  @Test
  void theOpenAiHelperWritesTheContractsKeys() {
    assertThat(OpenAiHelper.OPERATION_NAME).isEqualTo(GenAiAttributes.OPERATION_NAME);
    assertThat(OpenAiHelper.PROVIDER_NAME).isEqualTo(GenAiAttributes.PROVIDER_NAME);
    assertThat(OpenAiHelper.REQUEST_MODEL).isEqualTo(GenAiAttributes.REQUEST_MODEL);
    assertThat(OpenAiHelper.RESPONSE_MODEL).isEqualTo(GenAiAttributes.RESPONSE_MODEL);
    assertThat(OpenAiHelper.RESPONSE_ID).isEqualTo(GenAiAttributes.RESPONSE_ID);
    assertThat(OpenAiHelper.INPUT_TOKENS).isEqualTo(GenAiAttributes.USAGE_INPUT_TOKENS);
    assertThat(OpenAiHelper.OUTPUT_TOKENS).isEqualTo(GenAiAttributes.USAGE_OUTPUT_TOKENS);
    assertThat(OpenAiHelper.CACHE_READ_TOKENS).isEqualTo(GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS);
    assertThat(OpenAiHelper.REASONING_TOKENS).isEqualTo(GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS);
    assertThat(OpenAiHelper.SERVICE_TIER).isEqualTo(GenAiAttributes.OPENAI_RESPONSE_SERVICE_TIER);
    assertThat(OpenAiHelper.ERROR_TYPE).isEqualTo(GenAiAttributes.ERROR_TYPE);
  }

  @Test
  void everyHelperClassIsListedForInjection() throws Exception {
    // Unlisted helpers fail at run time with NoClassDefFoundError in the application.
    assertThat(new OpenAiInstrumentationModule().getAdditionalHelperClassNames())
        .containsExactlyInAnyOrder(
            io.agentmeter.javaagent.common.LlmCall.class.getName(),
            OpenAiHelper.class.getName(),
            OpenAiHelper.Call.class.getName(),
            OpenAiHelper.Ended.class.getName(),
            OpenAiResponses.class.getName(),
            OpenAiHelper.TracingStreamResponse.class.getName(),
            OpenAiHelper.EndingSpliterator.class.getName());
    assertThat(OpenAiHelper.class.getDeclaredClasses()).hasSize(4);
  }
}
