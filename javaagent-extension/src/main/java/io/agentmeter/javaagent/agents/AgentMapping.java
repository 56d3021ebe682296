package io.agentmeter.javaagent.agents;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The method-to-agent mapping: {@code com.acme.Planner#run=planner;com.acme.Researcher#research,search=researcher},
 * from the system property {@code otel.instrumentation.agentmeter.agents} or the environment
 * variable {@code OTEL_INSTRUMENTATION_AGENTMETER_AGENTS}. Also a helper (injected into the
 * application's class loader), so it uses nothing but the JDK.
 */
public final class AgentMapping {

  public static final String PROPERTY = "otel.instrumentation.agentmeter.agents";
  public static final String ENV = "OTEL_INSTRUMENTATION_AGENTMETER_AGENTS";

  /** class name → (method name → agent name), in configuration order. */
  private final Map<String, Map<String, String>> byClass;
  private final List<String> problems;

  private AgentMapping(Map<String, Map<String, String>> byClass, List<String> problems) {
    this.byClass = byClass;
    this.problems = problems;
  }

  /** The mapping configured for this JVM (empty when none). */
  public static AgentMapping configured() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.trim().isEmpty()) {
      value = System.getenv(ENV);
    }
    return parse(value);
  }

  /** Parses a mapping; entries that cannot be read are skipped and reported in {@link #problems()}. */
  public static AgentMapping parse(String value) {
    Map<String, Map<String, String>> byClass = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    if (value == null) {
      return new AgentMapping(byClass, problems);
    }
    for (String entry : value.split(";")) {
      String e = entry.trim();
      if (e.isEmpty()) {
        continue;
      }
      int hash = e.indexOf('#');
      int eq = e.lastIndexOf('=');
      if (hash <= 0 || eq < hash + 2 || eq == e.length() - 1) {
        problems.add("'" + e + "' is not Class#method[,method...]=agent");
        continue;
      }
      String type = e.substring(0, hash).trim();
      String agent = e.substring(eq + 1).trim();
      Map<String, String> methods = byClass.computeIfAbsent(type, k -> new LinkedHashMap<>());
      for (String method : e.substring(hash + 1, eq).split(",")) {
        if (!method.trim().isEmpty()) {
          methods.put(method.trim(), agent);
        }
      }
    }
    return new AgentMapping(byClass, problems);
  }

  /** The agent a method is mapped to, or {@code null}. */
  public String agentFor(String type, String method) {
    Map<String, String> methods = byClass.get(type);
    return methods == null ? null : methods.get(method);
  }

  /** Mapped classes, each with its mapped method names. */
  public Map<String, Map<String, String>> classes() {
    return Collections.unmodifiableMap(byClass);
  }

  public List<String> problems() {
    return Collections.unmodifiableList(problems);
  }
}
