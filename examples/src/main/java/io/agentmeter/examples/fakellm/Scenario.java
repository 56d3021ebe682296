package io.agentmeter.examples.fakellm;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What the fake provider answers, per model: token counts and scripted failures. Read from a
 * properties file (the bundled {@code scenario.properties} documents the keys).
 */
public final class Scenario {

  /** One model's behaviour. */
  public record Model(
      String provider, String name, String served, long input, long cached, long output,
      long reasoning, int failStatus, int failures) {}

  private final Map<String, Model> models;
  private final long anthropicCachePrefix;

  private Scenario(Map<String, Model> models, long anthropicCachePrefix) {
    this.models = models;
    this.anthropicCachePrefix = anthropicCachePrefix;
  }

  /** The scenario the demo and its test use. */
  public static Scenario bundled() {
    try (InputStream in = Scenario.class.getResourceAsStream("scenario.properties")) {
      if (in == null) {
        throw new IllegalStateException("scenario.properties is missing from the classpath");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the bundled scenario", e);
    }
  }

  /** Parses a scenario; a line that cannot be read is an error naming it. */
  public static Scenario parse(String text) {
    Properties props = new Properties();
    try (Reader reader = new StringReader(text)) {
      props.load(reader);
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable scenario: " + e.getMessage(), e);
    }
    Map<String, Model> models = new HashMap<>();
    long prefix = 0;
    for (String key : props.stringPropertyNames()) {
      String value = props.getProperty(key).trim();
      if (key.equals("anthropic.cache.prefix")) {
        prefix = number(key, "prefix", value);
        continue;
      }
      int dot = key.indexOf('.');
      if (dot <= 0) {
        throw new IllegalArgumentException("scenario key '" + key + "' is not <provider>.<model>");
      }
      models.put(key, model(key.substring(0, dot), key.substring(dot + 1), value));
    }
    return new Scenario(Map.copyOf(models), prefix);
  }

  private static Model model(String provider, String name, String spec) {
    String served = name;
    long input = 0;
    long cached = 0;
    long output = 0;
    long reasoning = 0;
    int failStatus = 0;
    int failures = 0;
    for (String part : spec.split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(provider + "." + name + ": '" + part + "' is not key=value");
      }
      String k = part.substring(0, eq);
      String v = part.substring(eq + 1);
      String where = provider + "." + name;
      switch (k) {
        case "served" -> served = v;
        case "input" -> input = number(where, k, v);
        case "cached" -> cached = number(where, k, v);
        case "output" -> output = number(where, k, v);
        case "reasoning" -> reasoning = number(where, k, v);
        case "fail" -> {
          String[] f = v.split("x");
          if (f.length != 2) {
            throw new IllegalArgumentException(where + ": fail must be STATUSxCOUNT, not '" + v + "'");
          }
          failStatus = (int) number(where, k, f[0]);
          failures = (int) number(where, k, f[1]);
        }
        default -> throw new IllegalArgumentException(where + ": unknown key '" + k + "'");
      }
    }
    return new Model(provider, name, served, input, cached, output, reasoning, failStatus, failures);
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

  /** The model's behaviour, or {@code null} when the scenario does not know it. */
  public Model model(String provider, String name) {
    return models.get(provider + "." + name);
  }

  /** Tokens of a cached Anthropic system prompt. */
  public long anthropicCachePrefix() {
    return anthropicCachePrefix;
  }
}
