package io.agentmeter.processor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when the command line does not give it: the environment
 * variable {@code AGENTMETER_<OPTION>} ({@code --otlp-http-port} is {@code AGENTMETER_OTLP_HTTP_PORT}),
 * then the YAML file named by {@code --config} or {@code AGENTMETER_CONFIG} (key {@code otlp-http-port}),
 * then the option's own default. Flags always win.
 */
final class Settings implements IDefaultValueProvider {

  private final JsonNode config;

  Settings(String[] args) {
    String file = System.getenv("AGENTMETER_CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
    }
    this.config = file == null ? null : read(Path.of(file));
  }

  private static JsonNode read(Path file) {
    try {
      JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
      if (node != null && !node.isObject()) {
        throw new IllegalArgumentException("config file " + file + " must be a YAML mapping");
      }
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName().equals("--config")) {
      return arg.defaultValue();
    }
    String key = option.longestName().replaceFirst("^-+", "");
    String env = System.getenv("AGENTMETER_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
    if (env != null && !env.isEmpty()) {
      return env;
    }
    if (config != null && config.has(key)) {
      JsonNode value = config.get(key);
      if (value.isArray()) {
        StringBuilder joined = new StringBuilder();
        for (JsonNode item : value) {
          joined.append(joined.length() == 0 ? "" : ",").append(item.asText());
        }
        return joined.toString();
      }
      return value.asText();
    }
    return arg.defaultValue();
  }
}
