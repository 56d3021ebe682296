package io.agentmeter.cost;

import io.agentmeter.cost.catalog.CatalogLoad;
import io.agentmeter.cost.catalog.CatalogLoader;
import io.agentmeter.cost.catalog.PriceCatalog;
import io.agentmeter.cost.data.SpanRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Spans and catalogues for tests. */
public final class TestSpans {

  /** 2026-11-01T10:00:00Z. */
  public static final long NOV_2026 = nanos("2026-11-01T10:00:00Z");

  public static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private TestSpans() {}

  public static long nanos(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /** The test catalogue (test-prices.json), its load asserted clean by the catalogue tests. */
  public static PriceCatalog catalog() {
    return PriceCatalog.of(java.util.List.of(testLoad().layer()));
  }

  public static CatalogLoad testLoad() {
    try (InputStream in = TestSpans.class.getResourceAsStream("/test-prices.json")) {
      return CatalogLoader.parse(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "test-prices.json", null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Builder span(String spanId) {
    return new Builder(spanId);
  }

  /** A chat span with usage. */
  public static Builder chat(String spanId, String model, long input, long output) {
    return span(spanId)
        .name("chat " + model)
        .attr("gen_ai.operation.name", "chat")
        .attr("gen_ai.request.model", model)
        .attr("gen_ai.usage.input_tokens", input)
        .attr("gen_ai.usage.output_tokens", output);
  }

  /** An invoke_agent span. */
  public static Builder agent(String spanId, String agentName) {
    return span(spanId)
        .name("invoke_agent " + agentName)
        .attr("gen_ai.operation.name", "invoke_agent")
        .attr("gen_ai.agent.name", agentName);
  }

  public static final class Builder {
    private final String spanId;
    private String traceId = TRACE;
    private String parent;
    private String name = "span";
    private long start = NOV_2026;
    private boolean error;
    private final Map<String, Object> attributes = new HashMap<>();
    private final Map<String, Object> resource = new HashMap<>();

    Builder(String spanId) {
      this.spanId = spanId;
    }

    public Builder trace(String traceId) {
      this.traceId = traceId;
      return this;
    }

    public Builder parent(String parent) {
      this.parent = parent;
      return this;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder start(long start) {
      this.start = start;
      return this;
    }

    public Builder error() {
      this.error = true;
      return this;
    }

    public Builder attr(String key, Object value) {
      attributes.put(key, value instanceof Integer ? Long.valueOf((Integer) value) : value);
      return this;
    }

    public Builder resource(String key, Object value) {
      resource.put(key, value);
      return this;
    }

    public SpanRecord build() {
      return new SpanRecord(
          traceId, spanId, parent, name, start, start + 1_000_000_000L, error,
          Map.copyOf(attributes), Map.copyOf(resource));
    }
  }
}
