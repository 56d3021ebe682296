package io.agentmeter.javaagent.openai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * OpenAI {@code com.openai:openai-java} 4.x: chat completions and the Responses API (sync, async,
 * streaming and async streaming, each also through {@code withRawResponse()}) and embeddings: one GenAI CLIENT span per call. Switch it off with {@code otel.instrumentation.agentmeter-openai.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class OpenAiInstrumentationModule extends InstrumentationModule {

  public OpenAiInstrumentationModule() {
    super("agentmeter-openai", "agentmeter");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(
        "com.openai.services.blocking.chat.ChatCompletionServiceImpl",
        "com.openai.core.http.StreamResponse",
        "com.openai.models.completions.CompletionUsage");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return ChatCompletionServiceInstrumentation.all();
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    // Without Gradle's muzzle plugin nothing finds helpers for us: list every one.
    return Arrays.asList(
        "io.agentmeter.javaagent.common.LlmCall",
        "io.agentmeter.javaagent.common.LlmSpans",
        "io.agentmeter.javaagent.common.LlmSpans$Call",
        "io.agentmeter.javaagent.common.LlmSpans$Ending",
        "io.agentmeter.javaagent.openai.OpenAiHelper",
        "io.agentmeter.javaagent.openai.OpenAiResponses",
        "io.agentmeter.javaagent.openai.OpenAiHelper$TracingRawResponse",
        "io.agentmeter.javaagent.openai.OpenAiHelper$TracingStreamResponse",
        "io.agentmeter.javaagent.openai.OpenAiHelper$EndingSpliterator",
        "io.agentmeter.javaagent.openai.OpenAiHelper$StreamObserver",
        "io.agentmeter.javaagent.openai.OpenAiHelper$TracingAsyncStreamResponse",
        "io.agentmeter.javaagent.openai.OpenAiHelper$ObservingHandler");
  }
}
