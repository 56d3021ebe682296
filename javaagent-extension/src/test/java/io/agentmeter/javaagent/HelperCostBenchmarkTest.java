package io.agentmeter.javaagent;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.agentmeter.javaagent.openai.OpenAiHelper;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import org.junit.jupiter.api.Test;

/**
 * What our instrumentation adds to one OpenAI call, in process: the helper's start and end (span,
 * attributes, usage read from a parsed SDK response) with the attribution processor and a batch
 * processor in the pipeline, as under the agent. A measurement, not an assertion; runs with
 * {@code -Dagentmeter.bench=true}; figures in docs/benchmarks.md.
 */
class HelperCostBenchmarkTest {

  @Test
  void measure() throws Exception {
    assumeTrue(Boolean.getBoolean("agentmeter.bench"), "benchmarks run with -Dagentmeter.bench=true");
    SpanExporter discard = new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(new AttributionSpanProcessor(AgentMeterCustomizerProvider.Settings.defaults()))
        .addSpanProcessor(BatchSpanProcessor.builder(discard).setMaxQueueSize(1 << 20).build())
        .build();
    GlobalOpenTelemetry.resetForTest();
    GlobalOpenTelemetry.set(OpenTelemetrySdk.builder().setTracerProvider(provider).build());
    ChatCompletion completion = ObjectMappers.jsonMapper().readValue("{\"id\":\"c\","
        + "\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-2024\",\"choices\":"
        + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"x\",\"refusal\":null},"
        + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":120,"
        + "\"completion_tokens\":30,\"total_tokens\":150,\"prompt_tokens_details\":{\"cached_tokens\":20},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":10}},\"service_tier\":\"default\"}",
        ChatCompletion.class);
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("hi").build();
    int n = 200_000;
    for (int round = 1; round <= 5; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        OpenAiHelper.end(OpenAiHelper.startCall(params), completion, null);
      }
      System.out.printf("round %d: %.0f ns per call%n", round, (System.nanoTime() - start) / (double) n);
    }
    provider.close();
    GlobalOpenTelemetry.resetForTest();
  }
}
