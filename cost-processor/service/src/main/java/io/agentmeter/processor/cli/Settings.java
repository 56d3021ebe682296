package io.agentmeter.processor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
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

  private final @Nullable Path file;
  private final @Nullable JsonNode config;

  Settings(String[] args) {
    String file = System.getenv("AGENTMETER_CONFIG");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
    }
    this.file = file == null ? null : Path.of(file);
    this.config = this.file == null ? null : read(this.file);
  }

  /**
   * Refuses a config file with a key no command has an option for (a misspelt or aliased key
   * would otherwise be ignored without a word): every such key named, with the nearest valid one.
   * A key of another command's option is fine: one file may serve every command.
   *
   * @throws IllegalArgumentException naming each unknown key
   */
  void checkKeys(CommandLine root) {
    if (config == null) {
      return;
    }
    Map<String, Set<String>> keys = new TreeMap<>(); // key -> the commands with that option
    Map<String, String> aliases = new TreeMap<>(); // another name of an option -> its key
    collect(root, keys, aliases);
    List<String> problems = new ArrayList<>();
    for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (keys.containsKey(key)) {
        continue;
      }
      String alias = aliases.get(key.replaceFirst("^-+", ""));
      if (alias != null) {
        problems.add("'" + key + "' is not a key, write '" + alias + "' (" + option(alias, keys)
            + ": keys are long names)");
      } else {
        String nearest = nearest(key, keys.keySet());
        problems.add("unknown key '" + key + "', the nearest valid one is '" + nearest + "' ("
            + option(nearest, keys) + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("config file " + file + ": " + String.join("; ", problems)
          + ". Keys are the options' long names without the dashes; 'agentmeter <command>"
          + " --help' lists them.");
    }
  }

  private static String option(String key, Map<String, Set<String>> keys) {
    return "--" + key + " of " + String.join(", ", keys.get(key));
  }

  private static void collect(CommandLine command, Map<String, Set<String>> keys,
      Map<String, String> aliases) {
    String name = command.getCommandSpec().qualifiedName(" ").replaceFirst("^\\S+ ", "");
    for (OptionSpec option : command.getCommandSpec().options()) {
      if (option.usageHelp() || option.versionHelp() || option.longestName().equals("--config")) {
        continue;
      }
      String key = key(option);
      keys.computeIfAbsent(key, k -> new TreeSet<>()).add(name);
      for (String alias : option.names()) {
        String bare = alias.replaceFirst("^-+", "");
        if (!bare.equals(key)) {
          aliases.putIfAbsent(bare, key);
        }
      }
    }
    for (CommandLine sub : command.getSubcommands().values()) {
      collect(sub, keys, aliases);
    }
  }

  /** The key of an option: its longest name without the dashes. */
  private static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  /** The candidate closest to {@code key} by edit distance (the first of equals, alphabetically). */
  static String nearest(String key, Iterable<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(key.toLowerCase(Locale.ROOT), candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
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

  /**
   * Where {@link #defaultValue} takes {@code option}'s value from, for people: the environment
   * variable or the config file's key; {@code null} for the option's own default.
   */
  @Nullable String origin(OptionSpec option) {
    String key = key(option);
    String env = "AGENTMETER_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    String value = System.getenv(env);
    if (value != null && !value.isEmpty()) {
      return "from " + env;
    }
    return config != null && config.has(key) ? "from '" + key + "' in " + file : null;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName().equals("--config")) {
      return arg.defaultValue();
    }
    String key = key(option);
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
