package io.agentmeter.processor.coster;

import static io.agentmeter.testing.otlp.OtlpPayloads.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.metrics.RollupMetrics;
import io.agentmeter.processor.model.ClosedTrace;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.StoredRollup;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.otlp.SpanConverter;
import io.agentmeter.processor.window.PendingRequests;
import io.agentmeter.processor.window.TraceWindow;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCosterTest {

  private static final String TRACE = "5bf92f3577b34da6a3ce929d0e0e4736";
  /** 2026-11-01T10:00:00Z: gpt-4o at $2.50 per million input and $10 per million output tokens. */
  private static final long START = 1_793_527_200_000_000_000L;

  @TempDir Path dir;

  private final PendingRequests pending = new PendingRequests();
  private final List<StoredRollup> told = new CopyOnWriteArrayList<>();
  private final AtomicLong duplicates = new AtomicLong();

  @Test
  void aSpanDeliveredTwiceWhileOpenIsCostedOnceAndOfTwoVersionsTheLaterEndingOneIsBilled()
      throws Exception {
    Metrics metrics = new Metrics();
    try (JdbcLedger jdbc = JdbcLedger.open(dir.resolve("ledger.db").toString())) {
      var ledger = jdbc.costStore();
      TraceCoster coster =
          TraceCoster.builder(CostEngine.create(), jdbc.requestLog(), ledger,
                  new PendingRequests())
              .setListener(new RollupMetrics(metrics)).setCounters(metrics::duplicates).build();
      IncomingSpan root = span("00000000000000a0", null, 0, 0, 1, "root");
      IncomingSpan call = span("00000000000000a1", "00000000000000a0", 1_000, 100, 1, "call");
      IncomingSpan firstVersion = span("00000000000000a2", "00000000000000a0", 1_000, 100, 1, "v1");
      IncomingSpan laterVersion = span("00000000000000a2", "00000000000000a0", 2_000, 200, 2, "v2");

      coster.cost(List.of(new ClosedTrace(TRACE,
          List.of(root, call, firstVersion, call, laterVersion, firstVersion), List.of(), true,
          false)));
      coster.close();

      TraceCost trace = ledger.trace(TRACE).orElseThrow();
      // 1,000 in + 100 out = $0.0035; the later version: 2,000 in + 200 out = $0.007
      assertThat(trace.total()).isEqualByComparingTo("0.0105");
      assertThat(trace.spans()).extracting(SpanRow::spanId, SpanRow::status)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("00000000000000a0", "not_billable"),
              org.assertj.core.groups.Tuple.tuple("00000000000000a1", "priced"),
              org.assertj.core.groups.Tuple.tuple("00000000000000a2", "priced"),
              org.assertj.core.groups.Tuple.tuple("00000000000000a2", "duplicate"));
      metrics.scrape(); // new series are shown at 0 first
      assertThat(metrics.scrape())
          .contains("agentmeter_spans_duplicate_total 2.0\n")
          .contains("agentmeter_tokens_total{agent=\"unattributed\",client=\"unattributed\","
              + "kind=\"input\",model=\"gpt-4o\",provider=\"openai\"} 3000.0\n");
    }
  }

  @Test
  void aLateSpanAmendsTheStoredRollupAndListenersSeeTheOneReplacedAndOnlyTheNewSpan()
      throws Exception {
    String traceId = OtlpPayloads.traceIdHex(1);
    try (JdbcLedger jdbc = JdbcLedger.open(dir.resolve("late.db").toString())) {
      var ledger = jdbc.costStore();
      var log = jdbc.requestLog();
      TraceCoster coster = coster(log, ledger);
      TraceWindow window = TraceWindow.builder(coster::cost, pending).build();

      window.accept(append(log, OtlpPayloads.trace(1, 3)));
      window.closeAll();
      coster.awaitStored();
      // the fourth call's span, alone
      window.accept(append(log, only(OtlpPayloads.trace(1, 4), 4)));
      window.closeAll();
      coster.awaitStored();
      // the first request again (a sender's retry)
      window.accept(append(log, OtlpPayloads.trace(1, 3)));
      window.closeAll();
      coster.close();

      assertThat(ledger.trace(traceId).orElseThrow().total()).isEqualByComparingTo(cost(4));
      assertThat(told).hasSize(3);
      StoredRollup first = told.get(0);
      assertThat(first.previous()).isNull();
      assertThat(first.fresh()).hasSize(4);
      assertThat(first.rollup().amends()).isFalse();
      StoredRollup late = told.get(1);
      assertThat(late.previous().total()).isEqualByComparingTo(cost(3));
      assertThat(late.rollup().result().total()).isEqualByComparingTo(cost(4));
      assertThat(late.rollup().spans()).hasSize(5);
      assertThat(late.rollup().amends()).isTrue();
      assertThat(late.rollup().complete()).isTrue(); // its root is among the stored spans
      assertThat(late.fresh()).extracting(s -> s.record().name()).containsExactly("chat gpt-4o-mini");
      StoredRollup retry = told.get(2);
      assertThat(retry.fresh()).isEmpty();
      assertThat(retry.previous().total()).isEqualByComparingTo(cost(4));
      assertThat(duplicates.get()).isEqualTo(4);
      // every request's trace is stored: none left pending
      assertThat(log.pending()).isEmpty();
      assertThat(pending.requests()).isZero();
    }
  }

  @Test
  void aRequestHoldingTwoTracesIsMarkedDoneOnlyOnceBothAreStored() {
    MemoryStorage storage = new MemoryStorage();
    TraceCoster coster = coster(storage, storage);
    AtomicLong clock = new AtomicLong();
    TraceWindow window = TraceWindow.builder(coster::cost, pending).setClock(clock::get)
        .setGrace(Duration.ofSeconds(2)).build();
    ExportTraceServiceRequest two = OtlpPayloads.trace(1, 2).toBuilder()
        .addResourceSpans(only(OtlpPayloads.trace(2, 2), 2).getResourceSpans(0)).build();
    window.accept(append(storage, two));

    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    window.closeDue(); // trace 1 (its root ended); trace 2 has none
    coster.awaitStored();
    assertThat(storage.rollups).containsOnlyKeys(OtlpPayloads.traceIdHex(1));
    assertThat(storage.pending).containsExactly(1L);

    window.closeAll();
    coster.close();
    assertThat(storage.rollups).hasSize(2);
    assertThat(storage.rollups.get(OtlpPayloads.traceIdHex(2)).complete()).isFalse();
    assertThat(storage.pending).isEmpty();
  }

  @Test
  void rollupsThatCannotBeStoredLeaveTheirRequestsPendingForTheNextStart() {
    MemoryStorage storage = new MemoryStorage();
    TraceCoster coster = coster(storage, storage);
    TraceWindow window = TraceWindow.builder(coster::cost, pending).build();
    storage.failWrites = true;
    window.accept(append(storage, OtlpPayloads.trace(1, 3)));
    window.closeAll();
    coster.awaitStored();

    assertThat(coster.notStored()).isEqualTo(1);
    assertThat(told).isEmpty();
    assertThat(storage.pending).containsExactly(1L);

    coster.close();
    // the next start
    storage.failWrites = false;
    PendingRequests restarted = new PendingRequests();
    TraceCoster again = coster(storage, storage, restarted);
    TraceWindow recovered = TraceWindow.builder(again::cost, restarted).build();
    assertThat(recovered.recover(storage)).isEqualTo(1);
    recovered.closeAll();
    again.close();
    assertThat(storage.rollups.get(OtlpPayloads.traceIdHex(1)).result().total())
        .isEqualByComparingTo(cost(3));
    assertThat(storage.rollups.get(OtlpPayloads.traceIdHex(1)).complete()).isTrue();
    assertThat(storage.pending).isEmpty();
  }

  @Test
  void spansCostedUnderAnotherFingerprintAreFoundAgainBySpanIdInTheirRequest() throws Exception {
    MemoryStorage storage = new MemoryStorage();
    String traceId = OtlpPayloads.traceIdHex(1);
    List<IncomingSpan> spans = append(storage, OtlpPayloads.trace(1, 3));
    // as an earlier version fingerprinted them (here: any other value than the decoder's)
    Map<IncomingSpan.DeliveryKey, Long> stored = new java.util.LinkedHashMap<>();
    for (IncomingSpan span : spans) {
      stored.put(new IncomingSpan.DeliveryKey(span.record().spanId(), "0ld0" + span.fingerprint()),
          span.batchId());
    }
    storage.deliveries.put(traceId, stored);

    List<IncomingSpan> found = io.agentmeter.processor.store.StoredSpans.of(storage, storage, traceId);

    assertThat(found).hasSize(4);
    assertThat(found).allSatisfy(s -> assertThat(s.fingerprint()).startsWith("0ld0"));
    assertThat(found).extracting(s -> s.record().spanId()).doesNotHaveDuplicates();
    assertThat(io.agentmeter.processor.store.StoredSpans.of(storage, storage, OtlpPayloads.traceIdHex(2))).isEmpty();
  }

  private TraceCoster coster(io.agentmeter.processor.log.RequestLog log,
      io.agentmeter.processor.store.CostStore store) {
    return coster(log, store, pending);
  }

  private TraceCoster coster(io.agentmeter.processor.log.RequestLog log,
      io.agentmeter.processor.store.CostStore store, PendingRequests requests) {
    return TraceCoster.builder(CostEngine.create(), log, store, requests)
        .setListener(told::addAll).setCounters(duplicates::addAndGet).build();
  }

  private static List<IncomingSpan> append(io.agentmeter.processor.log.RequestLog log,
      ExportTraceServiceRequest request) {
    try {
      byte[] body = request.toByteArray();
      return log.append(List.of(new ReceivedRequest(body, SpanConverter.convert(body).spans())))
          .get(0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static BigDecimal cost(int calls) {
    return OtlpPayloads.CALL_COST.multiply(BigDecimal.valueOf(calls));
  }

  private static IncomingSpan span(String spanId, String parent, long input, long output, long end,
      String fingerprint) {
    Map<String, Object> attributes = input == 0
        ? Map.of("http.request.method", "POST")
        : Map.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
            "gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", input,
            "gen_ai.usage.output_tokens", output);
    return new IncomingSpan(new SpanRecord(TRACE, spanId, parent, input == 0 ? "POST" : "chat",
        START, START + end, false, attributes, Map.of()), fingerprint, new byte[0]);
  }
}
