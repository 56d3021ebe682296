package io.agentmeter.processor.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The service's counters, exposed in the Prometheus text format. Cost counters are kept as exact
 * decimals and only turned into floating point when written out.
 */
public final class Metrics {

  private static final double[] LATENCY_BUCKETS_SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
  };

  private final Map<CostLabels, BigDecimal> cost = new ConcurrentHashMap<>();
  private final Map<TokenLabels, LongAdder> tokens = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> unpriced = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
  private final LongAdder received = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder tracesClosed = new LongAdder();
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder forwardDropped = new LongAdder();
  private final LongAdder[] latencyBuckets = new LongAdder[LATENCY_BUCKETS_SECONDS.length];
  private final LongAdder latencyCount = new LongAdder();
  private final AtomicLong latencyNanosSum = new AtomicLong();
  private volatile LongSupplier tracesOpen = () -> 0;

  public Metrics() {
    for (int i = 0; i < latencyBuckets.length; i++) {
      latencyBuckets[i] = new LongAdder();
    }
  }

  /** Labels of a cost sample. */
  public record CostLabels(String agent, String model, String provider, String client, String currency) {}

  /** Labels of a token sample; {@code kind} is {@code input} or {@code output}. */
  public record TokenLabels(String agent, String model, String provider, String client, String kind) {}

  public void addCost(CostLabels labels, BigDecimal amount) {
    cost.merge(labels, amount, BigDecimal::add);
  }

  public void addTokens(TokenLabels labels, long count) {
    if (count > 0) {
      tokens.computeIfAbsent(labels, k -> new LongAdder()).add(count);
    }
  }

  public void unpriced(String model) {
    unpriced.computeIfAbsent(model, k -> new LongAdder()).increment();
  }

  public void received(long spans) {
    received.add(spans);
  }

  public void duplicates(long spans) {
    duplicates.add(spans);
  }

  public void rejected(String reason, long spans) {
    rejected.computeIfAbsent(reason, k -> new LongAdder()).add(spans);
  }

  public void traceClosed() {
    tracesClosed.increment();
  }

  public void forwarded(long spans) {
    forwarded.add(spans);
  }

  public void forwardDropped(long spans) {
    forwardDropped.add(spans);
  }

  public void ledgerWrite(long nanos) {
    latencyCount.increment();
    latencyNanosSum.addAndGet(nanos);
    double seconds = nanos / 1e9;
    for (int i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
      if (seconds <= LATENCY_BUCKETS_SECONDS[i]) {
        latencyBuckets[i].increment();
      }
    }
  }

  public void tracesOpen(LongSupplier supplier) {
    this.tracesOpen = supplier;
  }

  /** Spans dropped by the forwarder so far. */
  public long forwardDroppedCount() {
    return forwardDropped.sum();
  }

  /** The exact cost counted for each label set (a copy). */
  public Map<CostLabels, BigDecimal> costs() {
    return Map.copyOf(cost);
  }

  /** Everything, in the Prometheus text exposition format 0.0.4. */
  public String scrape() {
    StringBuilder out = new StringBuilder(4096);
    header(out, "agentmeter_cost_total", "counter",
        "Cost of billed LLM, embedding and tool spans, in the ledger's currency.");
    for (Map.Entry<CostLabels, BigDecimal> e : sorted(cost)) {
      CostLabels l = e.getKey();
      sample(out, "agentmeter_cost_total", List.of("agent", l.agent(), "model", l.model(),
          "provider", l.provider(), "client", l.client(), "currency", l.currency()),
          e.getValue().toPlainString());
    }
    header(out, "agentmeter_tokens_total", "counter", "Tokens of billed spans, by kind.");
    for (Map.Entry<TokenLabels, LongAdder> e : sorted(tokens)) {
      TokenLabels l = e.getKey();
      sample(out, "agentmeter_tokens_total", List.of("agent", l.agent(), "model", l.model(),
          "provider", l.provider(), "client", l.client(), "kind", l.kind()),
          Long.toString(e.getValue().sum()));
    }
    header(out, "agentmeter_unpriced_spans_total", "counter",
        "Billable spans that could not be priced (unknown model, bad usage), by model.");
    unpriced.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        sample(out, "agentmeter_unpriced_spans_total", List.of("model", e.getKey()),
            Long.toString(e.getValue().sum())));
    simple(out, "agentmeter_spans_received_total", "counter", "Spans accepted and stored.",
        received.sum());
    simple(out, "agentmeter_spans_duplicate_total", "counter",
        "Spans received again (same ids and content) and skipped.", duplicates.sum());
    header(out, "agentmeter_spans_rejected_total", "counter",
        "Spans or requests rejected, by reason.");
    rejected.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        sample(out, "agentmeter_spans_rejected_total", List.of("reason", e.getKey()),
            Long.toString(e.getValue().sum())));
    simple(out, "agentmeter_traces_open", "gauge", "Traces being assembled.",
        tracesOpen.getAsLong());
    simple(out, "agentmeter_traces_closed_total", "counter", "Trace rollups stored.",
        tracesClosed.sum());
    simple(out, "agentmeter_forward_spans_total", "counter", "Spans forwarded.", forwarded.sum());
    simple(out, "agentmeter_forward_dropped_spans_total", "counter",
        "Spans the forwarder gave up on (backend down past the retry queue).",
        forwardDropped.sum());
    header(out, "agentmeter_ledger_write_seconds", "histogram",
        "Time to store a group of received spans durably.");
    for (int i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
      sample(out, "agentmeter_ledger_write_seconds_bucket",
          List.of("le", Double.toString(LATENCY_BUCKETS_SECONDS[i])),
          Long.toString(latencyBuckets[i].sum()));
    }
    sample(out, "agentmeter_ledger_write_seconds_bucket", List.of("le", "+Inf"),
        Long.toString(latencyCount.sum()));
    out.append("agentmeter_ledger_write_seconds_sum ")
        .append(latencyNanosSum.get() / 1e9).append('\n');
    out.append("agentmeter_ledger_write_seconds_count ").append(latencyCount.sum()).append('\n');
    return out.toString();
  }

  private static <K, V> List<Map.Entry<K, V>> sorted(Map<K, V> map) {
    List<Map.Entry<K, V>> entries = new ArrayList<>(map.entrySet());
    entries.sort(java.util.Comparator.comparing(e -> e.getKey().toString()));
    return entries;
  }

  private static void simple(StringBuilder out, String name, String type, String help, long value) {
    header(out, name, type, help);
    out.append(name).append(' ').append(value).append('\n');
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, List<String> labels, String value) {
    out.append(name).append('{');
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < labels.size(); i += 2) {
      parts.add(labels.get(i) + "=\"" + escape(labels.get(i + 1)) + "\"");
    }
    out.append(String.join(",", parts)).append("} ").append(value).append('\n');
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
