package io.agentmeter.processor;

import static io.agentmeter.testing.otlp.OtlpPayloads.str;
import static io.agentmeter.testing.otlp.OtlpPayloads.num;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agentmeter_spans_stale_priced_total{model, why}}: spans priced after their model's
 * retirement, by a pattern only, or from figures older than {@code --max-price-age}, sent over
 * OTLP and read from {@code /metrics}; a trace rolled up again adds only its new spans.
 */
class StalePricedMetricsTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern STALE =
      Pattern.compile("(?m)^agentmeter_spans_stale_priced_total\\{model=\"([^\"]*)\",why=\"([^\"]*)\"} (\\S+)$");
  /** The spans' start: 2026-03-01, after gone-model's retirement on 2026-01-01. */
  private static final long START = Instant.parse("2026-03-01T12:00:00Z").getEpochSecond() * 1_000_000_000L;

  @TempDir Path dir;

  @Test
  void spansPricedFromARetiredEntryAPatternOrOldFiguresAreCountedByModelAndWhy() throws Exception {
    // fresh figures are read yesterday; old ones in 2020, beyond the 30 days allowed
    String fresh = LocalDate.now().minusDays(1).toString();
    Path prices = Files.writeString(dir.resolve("prices.json"), """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "test/fresh", "provider": "test",
           "match": {"names": ["fresh-model"], "regex": "fresh-model-\\\\d+"},
           "prices": [{"input": "1", "output": "2", "source": "s", "as_of": "%1$s"}]},
          {"id": "test/old", "provider": "test", "match": {"names": ["old-model"]},
           "prices": [{"input": "1", "output": "2", "source": "s", "as_of": "2020-01-01"}]},
          {"id": "test/gone", "provider": "test", "match": {"names": ["gone-model"]},
           "prices": [{"input": "1", "output": "2", "source": "s", "as_of": "%1$s"}],
           "retired": {"from": "2026-01-01", "source": "s", "as_of": "%1$s"}}]}
        """.formatted(fresh));
    try (Processor processor = Processor.builder().setLedger(dir.resolve("l.db").toString())
        .setPrices(prices).setMaxPriceAge(30).setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0)
        .setBindHost("127.0.0.1").setTraceGrace(Duration.ofMillis(100)).start()) {
      assertThat(processor.userCatalog().issues()).isEmpty();
      assertThat(post(processor, trace(1, "fresh-model", "fresh-model-7", "old-model", "gone-model",
          "gone-model"))).isEqualTo(200);
      processor.flush();

      // the first scrape shows the new series at 0, the second their counts; fresh-model (an
      // exact name, fresh figures) has none
      assertThat(stale(processor)).containsOnly(
          Map.entry("fresh-model-7 pattern", 0.0),
          Map.entry("old-model old", 0.0),
          Map.entry("gone-model retired", 0.0));
      assertThat(stale(processor)).containsOnly(
          Map.entry("fresh-model-7 pattern", 1.0),
          Map.entry("old-model old", 1.0),
          Map.entry("gone-model retired", 2.0));

      // a late call of the same trace: only it is added, not the trace's spans again
      assertThat(post(processor, trace(1, 6, "old-model"))).isEqualTo(200);
      processor.flush();
      assertThat(stale(processor)).containsOnly(
          Map.entry("fresh-model-7 pattern", 1.0),
          Map.entry("old-model old", 2.0),
          Map.entry("gone-model retired", 2.0));
    }
  }

  /** {@code model why -> value} of every stale-priced sample of one scrape. */
  private static Map<String, Double> stale(Processor processor) throws Exception {
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + processor.apiPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> samples = new TreeMap<>();
    Matcher m = STALE.matcher(metrics);
    while (m.find()) {
      samples.put(m.group(1) + " " + m.group(2), Double.parseDouble(m.group(3)));
    }
    return samples;
  }

  /** A root span and one call of each model, of 1,000 input and 100 output tokens. */
  private static ExportTraceServiceRequest trace(long trace, String... models) {
    return trace(trace, 1, models);
  }

  /** Calls of {@code models} numbered from {@code first}; the root span with the first trace. */
  private static ExportTraceServiceRequest trace(long trace, int first, String... models) {
    ByteString traceId = ByteString.copyFrom(
        ByteBuffer.allocate(16).putLong(0x5ca1ab1e00000000L).putLong(trace).array());
    ByteString rootId = spanId(trace, 0);
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    if (first == 1) {
      scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(rootId).setName("POST /work")
          .setKind(Span.SpanKind.SPAN_KIND_SERVER)
          .setStartTimeUnixNano(START).setEndTimeUnixNano(START + 900_000));
    }
    for (int i = 0; i < models.length; i++) {
      scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(spanId(trace, first + i))
          .setParentSpanId(rootId).setName("chat " + models[i])
          .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(START + first + i).setEndTimeUnixNano(START + 800_000)
          .addAttributes(str("gen_ai.operation.name", "chat"))
          .addAttributes(str("gen_ai.provider.name", "test"))
          .addAttributes(str("gen_ai.request.model", models[i]))
          .addAttributes(num("gen_ai.usage.input_tokens", 1_000))
          .addAttributes(num("gen_ai.usage.output_tokens", 100)));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "stale")))
        .addScopeSpans(scope)).build();
  }

  private static ByteString spanId(long trace, int i) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong((trace << 16) | (i + 1)).array());
  }

  private static int post(Processor processor, ExportTraceServiceRequest request) throws Exception {
    return Loopback.post(processor.otlpHttpPort(), request);
  }
}
