package io.agentmeter.processor.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.rollup.TraceRollup;
import io.agentmeter.processor.model.CostQuery;
import io.agentmeter.processor.model.CostQuery.GroupBy;
import io.agentmeter.processor.model.CostRow;
import io.agentmeter.processor.model.CounterTotals;
import io.agentmeter.processor.model.CounterTotals.CostLabels;
import io.agentmeter.processor.model.CounterTotals.TokenLabels;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.Pricing;
import io.agentmeter.processor.model.Rollup;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.processor.model.TraceSummary;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CostStore} does: a subclass names how to open one (empty) and how to open it
 * again after a restart, and passes these tests.
 *
 * <p>The traces (prices of the bundled catalogue: gpt-4o $2.50 per million input tokens and $10
 * per million output, gpt-4o-mini $0.15 and $0.60; {@code mystery-1} has no price):
 * <ul>
 *   <li>T1, client acme, task t-1, 2026-11-01: a root; planner on gpt-4o, 1,000 in and 100 out =
 *       0.0025 + 0.001 = 0.0035; coder on gpt-4o-mini, 2,000 in and 500 out = 0.0003 + 0.0003 =
 *       0.0006. Total 0.0041.
 *   <li>T2, client globex, task t-2, 2026-11-02: a root; planner on gpt-4o, 4,000 in and 1,000 out
 *       = 0.01 + 0.01 = 0.02; coder on mystery-1, 300 in and 30 out, unpriced. Total 0.02.
 *   <li>T3, client acme, task t-3, 2026-11-01: a root; planner on gpt-4o-mini, 1,000 in and none
 *       out = 0.00015. Total 0.00015.
 * </ul>
 */
public abstract class CostStoreKit {

  private static final CostEngine ENGINE = CostEngine.create();
  /** 2026-11-01T00:00:00Z and the next day, in nanoseconds. */
  private static final long DAY_A = 1_793_491_200_000_000_000L;
  private static final long DAY_B = DAY_A + 86_400_000_000_000L;
  private static final long HOUR = 3_600_000_000_000L;
  private static final Instant ALL_FROM = Instant.EPOCH;
  private static final Instant ALL_TO = Instant.parse("2100-01-01T00:00:00Z");

  static final String T1 = "00000000000000000000000000000001";
  static final String T2 = "00000000000000000000000000000002";
  static final String T3 = "00000000000000000000000000000003";
  static final String T4 = "00000000000000000000000000000004";

  private CostStore store;

  /** A new, empty store. */
  protected abstract CostStore open() throws Exception;

  /**
   * The same store as a restarted service would open it ({@code store} is closed first if it must
   * be); a store that lives only in memory gives {@code store} itself.
   */
  protected CostStore reopen(CostStore store) throws Exception {
    return store;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void aStoredTraceIsReadBackWithItsTotalsAndSpansInStartOrder() throws Exception {
    store.write(List.of(t1(false)));
    store = reopen(store);

    TraceCost trace = store.trace(T1).orElseThrow();

    assertThat(trace.traceId()).isEqualTo(T1);
    assertThat(trace.currency()).isEqualTo("USD");
    assertThat(trace.complete()).isTrue();
    assertThat(trace.total()).isEqualByComparingTo("0.0041");
    assertThat(plain(trace.byAgent())).containsExactly(
        Map.entry("planner", "0.0035"), Map.entry("coder", "0.0006"));
    assertThat(plain(trace.byModel())).containsExactly(
        Map.entry("gpt-4o", "0.0035"), Map.entry("gpt-4o-mini", "0.0006"));
    assertThat(plain(trace.byClient())).containsExactly(Map.entry("acme", "0.0041"));
    assertThat(trace.sharedTotal()).isEqualByComparingTo("0");
    assertThat(trace.retryTotal()).isEqualByComparingTo("0");
    assertThat(trace.unpricedSpans()).isZero();
    assertThat(trace.spans()).extracting(CostStoreKit::text).containsExactly(
        "0000000000000010 - POST /work " + (DAY_A + 10 * HOUR)
            + " unattributed - not_billable -",
        "0000000000000011 0000000000000010 chat " + (DAY_A + 10 * HOUR + 1_000)
            + " planner gpt-4o priced 0.0035",
        "0000000000000012 0000000000000010 chat " + (DAY_A + 10 * HOUR + 2_000)
            + " coder gpt-4o-mini priced 0.0006");
    assertThat(store.trace(T2)).isEmpty();
  }

  @Test
  void itKnowsWhichTracesAreRolledUpAndCountsTheirSpans() throws Exception {
    store.write(List.of(t3(), t1(false)));
    store.write(List.of(t2()));

    assertThat(store.rolledUp(List.of(T1, T3, T4))).containsExactlyInAnyOrder(T1, T3);
    assertThat(store.rolledUp(List.of())).isEmpty();
    assertThat(store.traceIds()).containsExactly(T1, T2, T3);
    // three spans in T1 and T2 each, two in T3
    assertThat(store.spanCount()).isEqualTo(8);
  }

  @Test
  void theDeliveriesATraceCountedAreKeptWithTheirRequests() throws Exception {
    store.write(List.of(t1(false)));

    Map<DeliveryKey, Long> deliveries = store.deliveries(T1);

    assertThat(deliveries).containsExactly(
        Map.entry(new DeliveryKey("0000000000000010", "f000000000000010"), 7L),
        Map.entry(new DeliveryKey("0000000000000011", "f000000000000011"), 7L),
        Map.entry(new DeliveryKey("0000000000000012", "f000000000000012"), 8L));
    assertThat(store.deliveries(T2)).isEmpty();
  }

  @Test
  void aTraceStoredAgainReplacesItsLinesAndNeverAddsToThem() throws Exception {
    store.write(List.of(t1(false), t2()));
    // a late span: T1 again, with a third call of planner on gpt-4o (0.0035)
    store.write(List.of(t1(true)));

    assertThat(store.trace(T1).orElseThrow().total()).isEqualByComparingTo("0.0076");
    assertThat(store.trace(T1).orElseThrow().spans()).hasSize(4);
    assertThat(store.deliveries(T1)).hasSize(4);
    assertThat(store.spanCount()).isEqualTo(7);
    assertThat(rows(store.costs(all(GroupBy.TRACE)))).containsExactly(
        "" + T2 + " 0.02 2 1 4300 1030", T1 + " 0.0076 3 0 4000 700");

    // and stored as it was first: back to what it was, not the larger of the two
    store.write(List.of(t1(false)));
    assertThat(store.trace(T1).orElseThrow().total()).isEqualByComparingTo("0.0041");
    assertThat(store.spanCount()).isEqualTo(6);
    assertThat(rows(store.costs(all(GroupBy.AGENT)))).containsExactly(
        "planner 0.0235 2 0 5000 1100", "coder 0.0006 2 1 2300 530");
  }

  @Test
  void countersSumWhatIsStoredAndKeepWhatReplacementsTookBackAcrossARestart() throws Exception {
    store.write(List.of(t1(true), t2()));
    CostLabels plannerAcme = new CostLabels("planner", "gpt-4o", "openai", "acme", "USD");
    CostLabels coderAcme = new CostLabels("coder", "gpt-4o-mini", "openai", "acme", "USD");
    CostLabels plannerGlobex = new CostLabels("planner", "gpt-4o", "openai", "globex", "USD");
    CounterTotals counters = store.counters();
    assertThat(plain(counters.cost())).containsOnly(
        Map.entry(plannerAcme.toString(), "0.007"), Map.entry(coderAcme.toString(), "0.0006"),
        Map.entry(plannerGlobex.toString(), "0.02"));
    assertThat(counters.reversed()).isEmpty();
    assertThat(counters.tokens()).containsOnly(
        Map.entry(new TokenLabels("planner", "gpt-4o", "openai", "acme", "input"), 2000L),
        Map.entry(new TokenLabels("planner", "gpt-4o", "openai", "acme", "output"), 200L),
        Map.entry(new TokenLabels("coder", "gpt-4o-mini", "openai", "acme", "input"), 2000L),
        Map.entry(new TokenLabels("coder", "gpt-4o-mini", "openai", "acme", "output"), 500L),
        Map.entry(new TokenLabels("planner", "gpt-4o", "openai", "globex", "input"), 4000L),
        Map.entry(new TokenLabels("planner", "gpt-4o", "openai", "globex", "output"), 1000L),
        // an unpriced span's tokens count too, as the query API counts them
        Map.entry(new TokenLabels("coder", "mystery-1", "openai", "globex", "input"), 300L),
        Map.entry(new TokenLabels("coder", "mystery-1", "openai", "globex", "output"), 30L));
    assertThat(counters.unpriced()).containsOnly(Map.entry("mystery-1", 1L));

    // T1 stored again without its third call: 0.0035 taken back from the planner's acme cost
    store.write(List.of(t1(false)));
    store.write(List.of(t1(false)));
    store = reopen(store);
    counters = store.counters();
    assertThat(plain(counters.cost())).containsEntry(plannerAcme.toString(), "0.0035");
    assertThat(plain(counters.reversed())).containsOnly(Map.entry(plannerAcme.toString(), "0.0035"));
    // everything ever added is what is stored plus what was taken back: 0.007, as before
  }

  @Test
  void pricesAreKeptOnceAndEachTraceNamesThoseItWasRolledUpWith() throws Exception {
    String bundled = "{\"format\": \"agentmeter.prices/v1\", \"models\": []}";
    Pricing contract =
        Pricing.withFile(bundled, "contract.json", "{\"format\": \"agentmeter.prices/v1\"}");
    store.keepPricing(contract);
    store.keepPricing(
        Pricing.withFile(bundled, "contract.json", "{\"format\": \"agentmeter.prices/v1\"}"));
    store.keepPricing(Pricing.bundled(bundled));
    Rollup t1 = t1(false);
    store.write(List.of(new Rollup(T1, t1.result(), t1.spans(), true, true, contract.id()), t2()));
    store = reopen(store);

    assertThat(contract.id()).matches("bundled@[0-9a-f]{16}\\+contract\\.json@[0-9a-f]{16}");
    assertThat(store.pricing(contract.id())).contains(contract);
    assertThat(store.pricing(Pricing.bundled(bundled).id())).contains(Pricing.bundled(bundled));
    assertThat(store.pricing("bundled@0000000000000000")).isEmpty();
    assertThat(store.pricingOf(T1)).contains(contract.id());
    assertThat(store.pricingOf(T2)).isEmpty(); // stored without a name
    assertThat(store.pricingOf(T3)).isEmpty(); // not stored
  }

  @Test
  void aTraceStoredAsNewOverAStoredOneReplacesItToo() throws Exception {
    // two writers each thought the trace new (no lookup of an earlier rollup)
    store.write(List.of(asNew(t1(false))));
    store.write(List.of(asNew(t1(true))));

    assertThat(store.trace(T1).orElseThrow().total()).isEqualByComparingTo("0.0076");
    assertThat(store.spanCount()).isEqualTo(4);
    assertThat(rows(store.costs(all(GroupBy.AGENT)))).containsExactly(
        "planner 0.007 2 0 2000 200", "coder 0.0006 1 0 2000 500");
  }

  @Test
  void ofTwoRollupsOfATraceInOneWriteTheLaterIsStored() throws Exception {
    store.write(List.of(t1(true), t1(false)));

    assertThat(store.trace(T1).orElseThrow().total()).isEqualByComparingTo("0.0041");
    assertThat(store.spanCount()).isEqualTo(3);
  }

  @Test
  void nothingToWriteIsNoWrite() throws Exception {
    store.write(List.of());

    assertThat(store.traceIds()).isEmpty();
    assertThat(store.spanCount()).isZero();
    assertThat(store.costs(all(GroupBy.AGENT))).isEmpty();
  }

  @Test
  void costsAreGroupedByEveryDimensionSummedExactlyMostExpensiveFirst() throws Exception {
    store.write(List.of(t1(false), t2(), t3()));

    // key, cost, billable spans, of which unpriced, input tokens, output tokens
    assertThat(rows(store.costs(all(GroupBy.AGENT)))).containsExactly(
        "planner 0.02365 3 0 6000 1100", "coder 0.0006 2 1 2300 530");
    assertThat(rows(store.costs(all(GroupBy.CLIENT)))).containsExactly(
        "globex 0.02 2 1 4300 1030", "acme 0.00425 3 0 4000 600");
    assertThat(rows(store.costs(all(GroupBy.TASK)))).containsExactly(
        "t-2 0.02 2 1 4300 1030", "t-1 0.0041 2 0 3000 600", "t-3 0.00015 1 0 1000 0");
    assertThat(rows(store.costs(all(GroupBy.MODEL)))).containsExactly(
        "gpt-4o 0.0235 2 0 5000 1100", "gpt-4o-mini 0.00075 2 0 3000 500",
        "mystery-1 0 1 1 300 30");
    assertThat(rows(store.costs(all(GroupBy.PROVIDER)))).containsExactly(
        "openai 0.02425 5 1 8300 1630");
    assertThat(rows(store.costs(all(GroupBy.DAY)))).containsExactly(
        "2026-11-02 0.02 2 1 4300 1030", "2026-11-01 0.00425 3 0 4000 600");
    assertThat(rows(store.costs(all(GroupBy.TRACE)))).containsExactly(
        T2 + " 0.02 2 1 4300 1030", T1 + " 0.0041 2 0 3000 600", T3 + " 0.00015 1 0 1000 0");
  }

  @Test
  void costsAreFilteredByAgentClientTaskAndModel() throws Exception {
    store.write(List.of(t1(false), t2(), t3()));

    assertThat(rows(store.costs(query(GroupBy.CLIENT, "planner", null, null, null))))
        .containsExactly("globex 0.02 1 0 4000 1000", "acme 0.00365 2 0 2000 100");
    assertThat(rows(store.costs(query(GroupBy.AGENT, null, "globex", null, null))))
        .containsExactly("planner 0.02 1 0 4000 1000", "coder 0 1 1 300 30");
    assertThat(rows(store.costs(query(GroupBy.MODEL, null, null, "t-1", null))))
        .containsExactly("gpt-4o 0.0035 1 0 1000 100", "gpt-4o-mini 0.0006 1 0 2000 500");
    assertThat(rows(store.costs(query(GroupBy.AGENT, null, null, null, "gpt-4o"))))
        .containsExactly("planner 0.0235 2 0 5000 1100");
    assertThat(rows(store.costs(query(GroupBy.AGENT, "planner", "acme", "t-3", "gpt-4o-mini"))))
        .containsExactly("planner 0.00015 1 0 1000 0");
    assertThat(store.costs(query(GroupBy.AGENT, "nobody", null, null, null))).isEmpty();
  }

  @Test
  void costsCoverSpansThatStartedFromTheStartUpToButNotAtTheEnd() throws Exception {
    store.write(List.of(t1(false), t2(), t3()));
    Instant dayA = instant(DAY_A);
    Instant dayB = instant(DAY_B);
    Instant planner = instant(DAY_A + 10 * HOUR + 1_000); // T1's call of planner
    Instant coder = instant(DAY_A + 10 * HOUR + 2_000); // T1's call of coder

    assertThat(rows(store.costs(range(GroupBy.DAY, dayA, dayB)))).containsExactly(
        "2026-11-01 0.00425 3 0 4000 600");
    assertThat(rows(store.costs(range(GroupBy.DAY, dayB, ALL_TO)))).containsExactly(
        "2026-11-02 0.02 2 1 4300 1030");
    assertThat(rows(store.costs(range(GroupBy.TRACE, planner, coder)))).containsExactly(
        T1 + " 0.0035 1 0 1000 100");
    assertThat(rows(store.costs(range(GroupBy.TRACE, coder, dayB)))).containsExactly(
        T1 + " 0.0006 1 0 2000 500", T3 + " 0.00015 1 0 1000 0");
    assertThat(store.costs(range(GroupBy.TRACE, dayA, planner))).isEmpty();
  }

  @Test
  void theMostExpensiveTracesComeFirstInTheirRangeAndForOneClient() throws Exception {
    store.write(List.of(t1(false), t2(), t3()));

    assertThat(store.topTraces(ALL_FROM, ALL_TO, 10, null)).extracting(CostStoreKit::text)
        .containsExactly(
            T2 + " POST /work " + (DAY_B + 10 * HOUR) + " 0.02 USD 3 1 true",
            T1 + " POST /work " + (DAY_A + 10 * HOUR) + " 0.0041 USD 3 0 true",
            T3 + " POST /work " + (DAY_A + 12 * HOUR) + " 0.00015 USD 2 0 true");
    assertThat(store.topTraces(ALL_FROM, ALL_TO, 1, null)).extracting(TraceSummary::traceId)
        .containsExactly(T2);
    assertThat(store.topTraces(ALL_FROM, ALL_TO, 10, "acme")).extracting(TraceSummary::traceId)
        .containsExactly(T1, T3);
    assertThat(store.topTraces(ALL_FROM, ALL_TO, 10, "globex"))
        .extracting(TraceSummary::traceId).containsExactly(T2);
    assertThat(store.topTraces(instant(DAY_A), instant(DAY_B), 10, null))
        .extracting(TraceSummary::traceId).containsExactly(T1, T3);
    // a trace's start is its earliest span's: T3 starts at noon
    assertThat(store.topTraces(instant(DAY_A), instant(DAY_A + 12 * HOUR), 10, null))
        .extracting(TraceSummary::traceId).containsExactly(T1);
    assertThat(store.topTraces(ALL_FROM, ALL_TO, 10, "nobody")).isEmpty();
  }

  @Test
  void theClientsOfATraceAreThoseBilledAndOnlyATraceOfOneClientIsThatClients() throws Exception {
    // T4: planner for globex on gpt-4o-mini (1,000 in = 0.00015), coder for acme likewise
    String root = "0000000000000040";
    List<IncomingSpan> spans = List.of(
        span(T4, root, null, DAY_A, Map.of("http.request.method", "POST")),
        span(T4, "0000000000000041", root, DAY_A + 1,
            call("planner", "globex", "gpt-4o-mini", 1000, 0)),
        span(T4, "0000000000000042", root, DAY_A + 2,
            call("coder", "acme", "gpt-4o-mini", 1000, 0)));
    store.write(List.of(rollup(T4, spans), t1(false)));

    assertThat(store.clientsOf(T4)).containsExactly("acme", "globex");
    assertThat(store.clientsOf(T1)).containsExactly("acme");
    assertThat(store.clientsOf(T2)).isEmpty();
    assertThat(store.topTraces(ALL_FROM, ALL_TO, 10, "acme")).extracting(TraceSummary::traceId)
        .containsExactly(T1);
    assertThat(store.topTraces(ALL_FROM, ALL_TO, 10, null)).extracting(TraceSummary::total)
        .extracting(BigDecimal::toPlainString).containsExactly("0.0041", "0.0003");
    assertThat(rows(store.costs(all(GroupBy.CLIENT)))).containsExactly(
        "acme 0.00425 3 0 4000 600", "globex 0.00015 1 0 1000 0");
  }

  @Test
  void itSaysWhereItIs() {
    assertThat(store.description()).isNotBlank();
  }

  // ---- the traces ----

  /** T1; with {@code lateCall}, a third call (planner, gpt-4o, 1,000 in, 100 out: 0.0035). */
  private static Rollup t1(boolean lateCall) {
    long start = DAY_A + 10 * HOUR;
    String root = "0000000000000010";
    List<IncomingSpan> spans = new ArrayList<>(List.of(
        span(T1, root, null, start, root("acme", "t-1")),
        span(T1, "0000000000000011", root, start + 1_000,
            call("planner", null, "gpt-4o", 1000, 100)),
        span(T1, "0000000000000012", root, start + 2_000,
            call("coder", null, "gpt-4o-mini", 2000, 500)).inBatch(8)));
    if (lateCall) {
      spans.add(span(T1, "0000000000000013", root, start + 3_000,
          call("planner", null, "gpt-4o", 1000, 100)).inBatch(9));
    }
    return rollup(T1, spans);
  }

  private static Rollup t2() {
    long start = DAY_B + 10 * HOUR;
    String root = "0000000000000020";
    return rollup(T2, List.of(
        span(T2, root, null, start, root("globex", "t-2")),
        span(T2, "0000000000000021", root, start + 1_000,
            call("planner", null, "gpt-4o", 4000, 1000)),
        span(T2, "0000000000000022", root, start + 2_000,
            call("coder", null, "mystery-1", 300, 30))));
  }

  private static Rollup t3() {
    long start = DAY_A + 12 * HOUR;
    String root = "0000000000000030";
    return rollup(T3, List.of(
        span(T3, root, null, start, root("acme", "t-3")),
        span(T3, "0000000000000031", root, start + 1_000,
            call("planner", null, "gpt-4o-mini", 1000, 0))));
  }

  private static Rollup rollup(String traceId, List<IncomingSpan> spans) {
    TraceRollup rollup = ENGINE.newRollup();
    boolean root = false;
    for (IncomingSpan span : spans) {
      rollup.add(span.record());
      root |= span.record().isRoot();
    }
    return new Rollup(traceId, rollup.result(), spans, root);
  }

  private static Rollup asNew(Rollup rollup) {
    return new Rollup(rollup.traceId(), rollup.result(), rollup.spans(), rollup.complete(), false);
  }

  /** A span stored in request 7, its fingerprint its id with an {@code f} first. */
  private static IncomingSpan span(String traceId, String spanId, @Nullable String parent,
      long start, Map<String, Object> attributes) {
    return new IncomingSpan(new SpanRecord(traceId, spanId, parent,
        parent == null ? "POST /work" : "chat", start, start + 5_000_000, false, attributes,
        Map.of()), "f" + spanId.substring(1), new byte[0]).inBatch(7);
  }

  private static Map<String, Object> root(String client, String task) {
    return Map.of("http.request.method", "POST", "agentmeter.client.id", client,
        "agentmeter.task.id", task);
  }

  private static Map<String, Object> call(String agent, @Nullable String client, String model,
      long input, long output) {
    Map<String, Object> attributes = new LinkedHashMap<>(Map.of("gen_ai.operation.name", "chat",
        "gen_ai.provider.name", "openai", "gen_ai.request.model", model, "gen_ai.agent.name", agent,
        "gen_ai.usage.input_tokens", input, "gen_ai.usage.output_tokens", output));
    if (client != null) {
      attributes.put("agentmeter.client.id", client);
    }
    return attributes;
  }

  // ---- queries and how results read ----

  private static CostQuery all(GroupBy by) {
    return new CostQuery(by, ALL_FROM, ALL_TO, null, null, null, null);
  }

  private static CostQuery range(GroupBy by, Instant from, Instant to) {
    return new CostQuery(by, from, to, null, null, null, null);
  }

  private static CostQuery query(GroupBy by, @Nullable String agent, @Nullable String client,
      @Nullable String task, @Nullable String model) {
    return new CostQuery(by, ALL_FROM, ALL_TO, agent, client, task, model);
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(0, nanos);
  }

  private static List<String> rows(List<CostRow> rows) {
    List<String> text = new ArrayList<>();
    for (CostRow r : rows) {
      text.add(r.key() + " " + r.cost().toPlainString() + " " + r.spans() + " "
          + r.unpricedSpans() + " " + r.inputTokens() + " " + r.outputTokens());
    }
    return text;
  }

  private static String text(SpanRow s) {
    return s.spanId() + " " + dash(s.parentSpanId()) + " " + s.name() + " " + s.startNanos() + " "
        + dash(s.agent()) + " " + dash(s.model()) + " " + s.status() + " "
        + (s.cost() == null ? "-" : s.cost().toPlainString());
  }

  private static String text(TraceSummary t) {
    return t.traceId() + " " + t.rootName() + " " + t.startNanos() + " "
        + t.total().toPlainString() + " " + t.currency() + " " + t.spans() + " "
        + t.unpricedSpans() + " " + t.complete();
  }

  private static String dash(@Nullable String value) {
    return value == null ? "-" : value;
  }

  private static <K> Map<String, String> plain(Map<K, BigDecimal> amounts) {
    Map<String, String> text = new LinkedHashMap<>();
    amounts.forEach((k, v) -> text.put(k.toString(), v.stripTrailingZeros().toPlainString()));
    return text;
  }
}
