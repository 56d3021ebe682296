package io.agentmeter.javaagent;

import com.google.auto.service.AutoService;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The extension's settings and its span processors (attribution, and Bedrock's inclusive input
 * tokens). Defaults it supplies (the user's
 * own settings always win): the agent's built-in openai instrumentation is off, because ours
 * covers the same calls and more, so that one call is one span.
 */
@AutoService(AutoConfigurationCustomizerProvider.class)
public final class AgentMeterCustomizerProvider implements AutoConfigurationCustomizerProvider {

  private static final Logger LOG = Logger.getLogger(AgentMeterCustomizerProvider.class.getName());

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {
    customizer.addPropertiesSupplier(AgentMeterCustomizerProvider::defaults);
    customizer.addTracerProviderCustomizer((builder, config) -> {
      builder.addSpanProcessor(new AttributionSpanProcessor(Settings.from(config)));
      if (hasEndingHook()) {
        builder.addSpanProcessor(new BedrockUsageSpanProcessor());
      }
      return builder;
    });
  }

  /** Whether the agent's SDK calls processors as a span ends (without loading the processor). */
  static boolean hasEndingHook() {
    try {
      Class.forName("io.opentelemetry.sdk.trace.internal.ExtendedSpanProcessor", false,
          AgentMeterCustomizerProvider.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      LOG.log(Level.FINE, "agentmeter: this SDK has no onEnding hook; Bedrock input tokens stay as reported", e);
      return false;
    }
  }

  static Map<String, String> defaults() {
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.instrumentation.openai.enabled", "false");
    return defaults;
  }

  /** The extension's settings, read once at start. */
  static final class Settings {
    final String agentBaggageKey;
    final String taskBaggageKey;
    final String clientBaggageKey;

    private Settings(String agent, String task, String client) {
      this.agentBaggageKey = agent;
      this.taskBaggageKey = task;
      this.clientBaggageKey = client;
    }

    static Settings from(ConfigProperties config) {
      return new Settings(
          config.getString("otel.instrumentation.agentmeter.baggage.agent-key", "gen_ai.agent.name"),
          config.getString("otel.instrumentation.agentmeter.baggage.task-key", "agentmeter.task.id"),
          config.getString("otel.instrumentation.agentmeter.baggage.client-key", "agentmeter.client.id"));
    }

    static Settings defaults() {
      return new Settings("gen_ai.agent.name", "agentmeter.task.id", "agentmeter.client.id");
    }
  }
}
