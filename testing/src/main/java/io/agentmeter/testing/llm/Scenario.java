package io.agentmeter.testing.llm;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * What the fake provider answers: per model, and optionally per kind of call, the token counts and
 * the scripted failures. A properties text, one line per model:
 *
 * <pre>
 *   &lt;provider&gt;.&lt;model&gt;[@&lt;call&gt;] = key=value ...
 *     served=NAME      the model the answer reports; {model} is the requested one (default: {model})
 *     input=N          input tokens, as the provider counts them (OpenAI, Gemini: including `cached`;
 *                      Anthropic, Bedrock: uncached input only; Vertex AI: the i-th instance of a
 *                      :predict call counts N x (i + 1))
 *     cached=N         tokens read from the prompt cache (OpenAI, Gemini: of the input; Anthropic,
 *                      Bedrock: on top of it)
 *     written=N        Anthropic, Bedrock: tokens written to the prompt cache, on top of the input
 *     output=N         output tokens (OpenAI: including `reasoning`)
 *     reasoning=N      OpenAI: of the output, reasoning tokens; Gemini: thought tokens, on top of it
 *     fail=STATUS[xN]  the first N calls of each model the line answers get STATUS (without xN,
 *                      every call); a 429 carries retry-after-ms
 *   anthropic.cache.prefix = N
 *     tokens of an Anthropic system prompt marked with cache_control: written to the cache the
 *     first time the fake sees that prompt for a model, read from it after that.
 * </pre>
 *
 * <p>Providers and their calls: {@code openai} ({@code chat}, {@code responses}, {@code
 * embeddings}), {@code anthropic} ({@code messages}), {@code gemini} ({@code generateContent},
 * {@code streamGenerateContent}, {@code batchEmbedContents}), {@code vertex} ({@code predict}),
 * {@code bedrock} ({@code converse}, {@code converse-stream}); a streamed chat, responses or
 * messages call is {@code <call>-stream}. A model ending in {@code *} stands for every model
 * starting so. A call is answered by the line of its exact model if there is one, else of the
 * longest matching {@code *} model; of that model's lines, the one for its call, else (for a
 * stream) for the call it streams, else the line without a call. A model no line answers gets 404.
 * In the properties format a {@code :} in a key (Bedrock model ids) is written {@code \:}.
 */
public final class Scenario {

  static final Map<String, Set<String>> CALLS = Map.of(
      "openai", Set.of("chat", "chat-stream", "responses", "responses-stream", "embeddings"),
      "anthropic", Set.of("messages", "messages-stream"),
      "gemini", Set.of("generateContent", "streamGenerateContent", "batchEmbedContents"),
      "vertex", Set.of("predict"),
      "bedrock", Set.of("converse", "converse-stream"));

  /** {@link Model#failures()} of a line whose every call fails. */
  public static final int EVERY_CALL = Integer.MAX_VALUE;

  /**
   * One line's behaviour.
   *
   * @param line the line's key, {@code <provider>.<model>[@<call>]}
   * @param served the model the answer reports, {@code {model}} standing for the requested one
   */
  public record Model(
      String line, String served, long input, long cached, long written, long output, long reasoning,
      int failStatus, int failures) {

    /** The model the answer to a call for {@code requested} reports. */
    public String servedAs(String requested) {
      return served.replace("{model}", requested);
    }
  }

  private final Map<String, Model> lines;
  /** Per provider, the {@code *} models' prefixes, longest first. */
  private final Map<String, List<String>> prefixes;
  private final long anthropicCachePrefix;

  private Scenario(Map<String, Model> lines, Map<String, List<String>> prefixes, long anthropicCachePrefix) {
    this.lines = lines;
    this.prefixes = prefixes;
    this.anthropicCachePrefix = anthropicCachePrefix;
  }

  /** The scenario in the resource {@code name}, found as {@code owner.getResourceAsStream} finds it. */
  public static Scenario fromResource(Class<?> owner, String name) {
    try (InputStream in = owner.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath (beside " + owner.getName() + ")");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the scenario " + name, e);
    }
  }

  /** Parses a scenario; a line that cannot be read is an error naming it. */
  public static Scenario parse(String text) {
    Properties props = new Properties();
    try (Reader reader = new StringReader(text)) {
      props.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("unreadable scenario: " + e.getMessage(), e);
    }
    Map<String, Model> lines = new HashMap<>();
    Map<String, List<String>> prefixes = new HashMap<>();
    long cachePrefix = 0;
    for (String key : props.stringPropertyNames()) {
      String value = props.getProperty(key).trim();
      if (key.equals("anthropic.cache.prefix")) {
        cachePrefix = number(key, "prefix", value);
        continue;
      }
      int dot = key.indexOf('.');
      if (dot <= 0) {
        throw new IllegalArgumentException("scenario key '" + key + "' is not <provider>.<model>[@<call>]");
      }
      String provider = key.substring(0, dot);
      Set<String> calls = CALLS.get(provider);
      if (calls == null) {
        throw new IllegalArgumentException(key + ": unknown provider '" + provider
            + "' (openai, anthropic, gemini, vertex, bedrock)");
      }
      String model = key.substring(dot + 1);
      String call = null;
      int at = model.lastIndexOf('@');
      if (at >= 0) {
        call = model.substring(at + 1);
        model = model.substring(0, at);
        if (!calls.contains(call)) {
          throw new IllegalArgumentException(key + ": " + provider + " has no call '" + call + "' "
              + calls.stream().sorted().toList());
        }
      }
      int star = model.indexOf('*');
      if (model.isEmpty() || (star >= 0 && star != model.length() - 1)) {
        throw new IllegalArgumentException(key + ": the model must be a name, or a prefix ending in *");
      }
      if (star >= 0) {
        List<String> known = prefixes.computeIfAbsent(provider, p -> new ArrayList<>());
        String prefix = model.substring(0, star);
        if (!known.contains(prefix)) {
          known.add(prefix);
        }
      }
      lines.put(key, line(key, value));
    }
    prefixes.values().forEach(list -> list.sort(Comparator.comparingInt(String::length).reversed()));
    Map<String, List<String>> frozen = new HashMap<>();
    prefixes.forEach((provider, list) -> frozen.put(provider, List.copyOf(list)));
    return new Scenario(Map.copyOf(lines), Map.copyOf(frozen), cachePrefix);
  }

  private static Model line(String where, String spec) {
    String served = "{model}";
    long input = 0;
    long cached = 0;
    long written = 0;
    long output = 0;
    long reasoning = 0;
    int failStatus = 0;
    int failures = 0;
    for (String part : spec.isEmpty() ? new String[0] : spec.split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(where + ": '" + part + "' is not key=value");
      }
      String k = part.substring(0, eq);
      String v = part.substring(eq + 1);
      switch (k) {
        case "served" -> served = v;
        case "input" -> input = number(where, k, v);
        case "cached" -> cached = number(where, k, v);
        case "written" -> written = number(where, k, v);
        case "output" -> output = number(where, k, v);
        case "reasoning" -> reasoning = number(where, k, v);
        case "fail" -> {
          String[] f = v.split("x", -1);
          String problem = where + ": fail must be STATUS or STATUSxCOUNT with a STATUS of 400 to 599, not '"
              + v + "'";
          if (f.length > 2) {
            throw new IllegalArgumentException(problem);
          }
          try {
            failStatus = Integer.parseInt(f[0]);
            failures = f.length == 2 ? Integer.parseInt(f[1]) : EVERY_CALL;
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(problem);
          }
          if (failStatus < 400 || failStatus > 599 || failures < 0) {
            throw new IllegalArgumentException(problem);
          }
        }
        default -> throw new IllegalArgumentException(where + ": unknown key '" + k + "'");
      }
    }
    return new Model(where, served, input, cached, written, output, reasoning, failStatus, failures);
  }

  private static long number(String where, String key, String value) {
    try {
      long n = Long.parseLong(value);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + ": " + key + " must be a whole number >= 0, not '" + value + "'");
    }
  }

  /** The line answering {@code provider}'s model {@code name} on a line without a call, or {@code null}. */
  public Model model(String provider, String name) {
    return model(provider, name, null);
  }

  /**
   * The line answering a {@code call} (see the class comment) for {@code provider}'s model {@code
   * name}, or {@code null} when no line does.
   */
  public Model model(String provider, String name, String call) {
    List<String> models = new ArrayList<>();
    models.add(name);
    for (String prefix : prefixes.getOrDefault(provider, List.of())) {
      if (name.startsWith(prefix)) {
        models.add(prefix + "*");
      }
    }
    List<String> calls = new ArrayList<>();
    if (call != null) {
      calls.add("@" + call);
      if (call.endsWith("-stream")) {
        calls.add("@" + call.substring(0, call.length() - "-stream".length()));
      }
    }
    calls.add("");
    for (String model : models) {
      for (String suffix : calls) {
        Model found = lines.get(provider + "." + model + suffix);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** Tokens of a cached Anthropic system prompt. */
  public long anthropicCachePrefix() {
    return anthropicCachePrefix;
  }
}
