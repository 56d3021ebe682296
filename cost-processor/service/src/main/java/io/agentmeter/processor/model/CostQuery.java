package io.agentmeter.processor.model;

import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A cost query: group by one dimension over a time range, optionally filtered.
 *
 * @param groupBy the dimension
 * @param from inclusive start (span start time)
 * @param to exclusive end
 * @param agent only this agent, or {@code null}
 * @param client only this client, or {@code null}
 * @param task only this task, or {@code null}
 * @param model only this model, or {@code null}
 */
public record CostQuery(
    GroupBy groupBy,
    Instant from,
    Instant to,
    @Nullable String agent,
    @Nullable String client,
    @Nullable String task,
    @Nullable String model) {

  /** The dimensions a cost query groups by. */
  public enum GroupBy {
    AGENT,
    TASK,
    CLIENT,
    MODEL,
    PROVIDER,
    DAY,
    TRACE;

    /** The lower-case name used in the API and CLI. */
    public String value() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code agent}, {@code day}..., case-insensitive. */
    public static GroupBy parse(String text) {
      for (GroupBy g : values()) {
        if (g.value().equalsIgnoreCase(text.trim())) {
          return g;
        }
      }
      throw new IllegalArgumentException(
          "groupBy must be one of agent, task, client, model, provider, day, trace; got '" + text + "'");
    }
  }
}
