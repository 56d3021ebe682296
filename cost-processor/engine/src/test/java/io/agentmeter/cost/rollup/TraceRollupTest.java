package io.agentmeter.cost.rollup;

import static io.agentmeter.cost.TestSpans.agent;
import static io.agentmeter.cost.TestSpans.chat;
import static io.agentmeter.cost.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.TestSpans;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.fx.FxTable;
import io.agentmeter.cost.pricing.CostStatus;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceRollupTest {

  private static final String T0 = "2026-11-01T10:00:00.000Z";

  private static CostEngine engine(AllocationRule rule) {
    return CostEngine.builder().setCatalog(TestSpans.catalog()).setAllocationRule(rule).build();
  }

  private static RollupResult rollup(AllocationRule rule, List<SpanRecord> spans) {
    TraceRollup rollup = engine(rule).newRollup();
    spans.forEach(rollup::add);
    return rollup.result();
  }

  private static RollupResult rollup(List<SpanRecord> spans) {
    return rollup(AllocationRule.EVEN, spans);
  }

  private static long at(int second) {
    return TestSpans.nanos(T0) + second * 1_000_000_000L;
  }

  private static BigDecimal usd(String amount) {
    return new BigDecimal(amount);
  }

  /**
   * A research-report trace: workflow root, planner and researcher agents with aggregate usage, a
   * framework span wrapping an SDK span, a shared vector-store lookup, a retried call, an unknown
   * model.
   */
  static List<SpanRecord> researchTrace() {
    List<SpanRecord> spans = new ArrayList<>();
    spans.add(span("root").name("POST /report").start(at(0))
        .attr("agentmeter.task.id", "task-7").attr("agentmeter.client.id", "acme-corp").build());
    // planner: agent span carries its children's usage (aggregate)
    spans.add(agent("planner", "planner").parent("root").start(at(1))
        .attr("gen_ai.usage.input_tokens", 2_000).attr("gen_ai.usage.output_tokens", 200).build());
    // 2,000 x 0.15 + 200 x 0.60 per M = 0.00042
    spans.add(chat("p-llm", "gpt-4o-mini", 2_000, 200).parent("planner").start(at(2)).build());
    // researcher: framework span wrapping the SDK span of the same call
    spans.add(agent("researcher", "researcher").parent("root").start(at(3)).build());
    spans.add(chat("r-framework", "gpt-4o", 10_000, 1_000).name("langchain4j chat").parent("researcher").start(at(4)).build());
    // 10,000 x 2.50 + 1,000 x 10 per M = 0.035
    spans.add(chat("r-sdk", "gpt-4o-2024-08-06", 10_000, 1_000).parent("r-framework").start(at(5)).build());
    // the shared vector lookup, used by researcher and writer: 0.004 once
    spans.add(span("r-vec").name("execute_tool vector_search").parent("researcher").start(at(6))
        .attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "vector_search")
        .attr("agentmeter.shared.resource", "vectors:eu-tariffs").build());
    // writer: first attempt fails with a 429 (no usage), the retry succeeds
    spans.add(agent("writer", "writer").parent("root").start(at(7)).build());
    spans.add(span("w-vec").name("execute_tool vector_search").parent("writer").start(at(8))
        .attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "vector_search")
        .attr("agentmeter.shared.resource", "vectors:eu-tariffs").build());
    spans.add(span("w-429").name("chat claude-sonnet-4-5").parent("writer").start(at(9)).error()
        .attr("gen_ai.operation.name", "chat").attr("gen_ai.request.model", "claude-sonnet-4-5")
        .attr("error.type", "429").build());
    // 5,000 x 3 + 500 x 15 per M = 0.0225
    spans.add(chat("w-llm", "claude-sonnet-4-5", 5_000, 500).parent("writer").start(at(10)).build());
    // reviewer on a model the catalogue does not know
    spans.add(agent("reviewer", "reviewer").parent("root").start(at(11)).build());
    spans.add(chat("v-llm", "acme-reviewer-1", 1_000, 100).parent("reviewer").start(at(12)).build());
    return spans;
  }

  @Test
  void researchTraceIsCostedByTheRulesWithHandComputedTotals() {
    RollupResult result = rollup(researchTrace());

    // 0.00042 + 0.035 + 0.004 + 0.0225
    assertThat(result.total()).isEqualByComparingTo(usd("0.06192"));
    assertThat(result.currency()).isEqualTo("USD");
    assertThat(result.byAgent())
        .containsExactly(
            entry("researcher", usd("0.037")), // 0.035 + half of 0.004
            entry("writer", usd("0.0245")), // 0.0225 + half of 0.004
            entry("planner", usd("0.00042")));
    assertThat(result.byModel())
        .containsExactly(
            entry("gpt-4o-2024-08-06", usd("0.035")),
            entry("claude-sonnet-4-5", usd("0.0225")),
            entry("tool:vector_search", usd("0.004")),
            entry("gpt-4o-mini", usd("0.00042")));
    assertThat(result.byClient()).containsExactly(entry("acme-corp", usd("0.06192")));
    assertThat(result.byTask()).containsExactly(entry("task-7", usd("0.06192")));
    assertThat(result.sharedTotal()).isEqualByComparingTo(usd("0.004"));
    assertThat(result.retryTotal()).isEqualByComparingTo(usd("0.0225"));
    assertThat(result.unpricedSpans()).isEqualTo(1);
    assertThat(result.duplicateDeliveries()).isZero();
    assertThat(result.roots()).containsExactly(entry(TestSpans.TRACE, "root"));

    assertThat(result.span("planner").status()).isEqualTo(CostStatus.AGGREGATE);
    assertThat(result.span("researcher").status()).isEqualTo(CostStatus.NOT_BILLABLE);
    assertThat(result.span("r-framework").status()).isEqualTo(CostStatus.AGGREGATE);
    assertThat(result.span("r-framework").reason())
        .isEqualTo("wraps the model call(s) of its subtree; the innermost spans are billed");
    assertThat(result.span("r-sdk").status()).isEqualTo(CostStatus.PRICED);
    assertThat(result.span("r-sdk").agent()).isEqualTo("researcher");
    assertThat(result.span("r-vec").status()).isEqualTo(CostStatus.PRICED);
    assertThat(result.span("w-vec").status()).isEqualTo(CostStatus.SHARED_REUSE);
    assertThat(result.span("w-vec").reason())
        .isEqualTo("shared resource 'vectors:eu-tariffs' is billed once per task, on span r-vec");
    assertThat(result.span("w-429").status()).isEqualTo(CostStatus.NOT_BILLABLE);
    assertThat(result.span("w-429").retry()).isTrue();
    assertThat(result.span("w-llm").retry()).isTrue();
    assertThat(result.span("v-llm").status()).isEqualTo(CostStatus.UNPRICED);
    assertThat(result.span("v-llm").reason()).isEqualTo("model 'acme-reviewer-1' is not in the price catalogue");
    assertThat(result.span("v-llm").cost()).isNull();
    assertThat(result.span("root").status()).isEqualTo(CostStatus.NOT_BILLABLE);
  }

  @Test
  void byAgentAlwaysAddsUpToTheTotal() {
    for (AllocationRule rule : AllocationRule.values()) {
      RollupResult result = rollup(rule, researchTrace());
      BigDecimal sum = result.byAgent().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(sum).isEqualByComparingTo(result.total());
    }
  }

  @Test
  void sharedCostIsAllocatedByTheConfiguredRule() {
    RollupResult firstUser = rollup(AllocationRule.FIRST_USER, researchTrace());
    RollupResult proportional = rollup(AllocationRule.PROPORTIONAL, researchTrace());

    assertThat(firstUser.byAgent())
        .contains(entry("researcher", usd("0.039")), entry("writer", usd("0.0225")));
    // direct costs 0.035 (researcher) and 0.0225 (writer): 0.004 x 0.0225 / 0.0575 = 0.001565217391
    // (rounded down at 12 places) to the writer, the remainder 0.002434782609 to the first user
    assertThat(proportional.byAgent().get("writer")).isEqualByComparingTo(usd("0.024065217391"));
    assertThat(proportional.byAgent().get("researcher")).isEqualByComparingTo(usd("0.037434782609"));
    // the billed span says how its cost was split, so per-span stores can group by agent exactly
    assertThat(proportional.span("r-vec").agentShares())
        .containsOnly(entry("researcher", usd("0.002434782609")), entry("writer", usd("0.001565217391")));
    assertThat(firstUser.span("r-vec").agentShares()).containsOnly(entry("researcher", usd("0.004")));
    assertThat(firstUser.span("r-sdk").agentShares()).containsOnly(entry("researcher", usd("0.035")));
    assertThat(firstUser.span("w-vec").agentShares()).isEmpty();
  }

  @Test
  void evenSplitThatDoesNotDivideExactlyStillAddsUp() {
    List<SpanRecord> spans = new ArrayList<>();
    spans.add(span("root").build());
    for (String name : List.of("a", "b", "c")) {
      spans.add(agent(name, name).parent("root").start(at(name.charAt(0) - 'a')).build());
      spans.add(span(name + "-vec").parent(name).start(at(name.charAt(0) - 'a'))
          .attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "vector_search")
          .attr("agentmeter.shared.resource", "vectors:q").build());
    }

    RollupResult result = rollup(spans);

    assertThat(result.byAgent().get("b")).isEqualByComparingTo(usd("0.001333333333"));
    assertThat(result.byAgent().get("c")).isEqualByComparingTo(usd("0.001333333333"));
    assertThat(result.byAgent().get("a")).isEqualByComparingTo(usd("0.001333333334"));
    assertThat(result.total()).isEqualByComparingTo(usd("0.004"));
  }

  @Test
  void shuffledArrivalAndDuplicateDeliveriesGiveTheSameResult() {
    RollupResult expected = rollup(researchTrace());
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      List<SpanRecord> deliveries = new ArrayList<>(researchTrace());
      deliveries.addAll(researchTrace().subList(0, 1 + random.nextInt(12)));
      Collections.shuffle(deliveries, random);

      RollupResult result = rollup(deliveries);

      assertThat(result.total()).isEqualByComparingTo(expected.total());
      assertThat(result.byAgent()).isEqualTo(expected.byAgent());
      assertThat(result.byModel()).isEqualTo(expected.byModel());
      assertThat(result.retryTotal()).isEqualByComparingTo(expected.retryTotal());
      assertThat(result.sharedTotal()).isEqualByComparingTo(expected.sharedTotal());
      assertThat(result.unpricedSpans()).isEqualTo(expected.unpricedSpans());
      assertThat(result.duplicateDeliveries()).isEqualTo(deliveries.size() - 13);
      assertThat(result.spans().subList(0, 13)).isEqualTo(expected.spans());
    }
  }

  @Test
  void aDuplicateDeliveryIsReportedAndCountedOnce() {
    SpanRecord call = chat("c1", "gpt-4o", 1_000, 1_000).build();
    TraceRollup rollup = engine(AllocationRule.EVEN).newRollup();

    assertThat(rollup.add(call)).isTrue();
    assertThat(rollup.add(call)).isFalse();
    RollupResult result = rollup.result();

    assertThat(result.total()).isEqualByComparingTo(usd("0.0125"));
    assertThat(result.duplicateDeliveries()).isEqualTo(1);
    assertThat(result.spans()).extracting(SpanOutcome::status)
        .containsExactly(CostStatus.PRICED, CostStatus.DUPLICATE);
  }

  @Test
  void conflictingVersionsOfOneSpanKeepTheSameOneInEitherOrder() {
    SpanRecord partial = chat("c1", "gpt-4o", 1_000, 0).build();
    SpanRecord complete = new SpanRecord(partial.traceId(), "c1", null, partial.name(),
        partial.startEpochNanos(), partial.endEpochNanos() + 5, false,
        chat("c1", "gpt-4o", 1_000, 1_000).build().attributes(), partial.resource());

    RollupResult one = rollup(List.of(partial, complete));
    RollupResult other = rollup(List.of(complete, partial));

    assertThat(one.total()).isEqualByComparingTo(usd("0.0125"));
    assertThat(other.total()).isEqualByComparingTo(usd("0.0125"));
    assertThat(one.spans()).isEqualTo(other.spans());
  }

  @Test
  void attributionFollowsSpanThenAgentAncestorThenResourceThenBaggage() {
    List<SpanRecord> spans = List.of(
        span("root").attr("agentmeter.baggage.agent.name", "gateway-says").build(),
        agent("planner", "planner").parent("root").build(),
        // own name wins
        chat("own", "gpt-4o", 1_000, 0).parent("planner").attr("gen_ai.agent.name", "critic").build(),
        // nearest invoke_agent ancestor, through a non-agent span that carries a name
        span("step").parent("planner").attr("gen_ai.agent.name", "not-an-agent-span").build(),
        chat("inherited", "gpt-4o", 1_000, 0).parent("step").build(),
        // no agent ancestor: the resource, then baggage
        chat("resource", "gpt-4o", 1_000, 0).parent("root")
            .resource("gen_ai.agent.name", "researcher")
            .attr("agentmeter.baggage.agent.name", "from-baggage").build(),
        chat("baggage", "gpt-4o", 1_000, 0).parent("root")
            .attr("agentmeter.baggage.agent.name", "from-baggage").build(),
        chat("nothing", "gpt-4o", 1_000, 0).parent("root").build());

    RollupResult result = rollup(spans);

    assertThat(result.span("own").agent()).isEqualTo("critic");
    assertThat(result.span("inherited").agent()).isEqualTo("planner");
    assertThat(result.span("resource").agent()).isEqualTo("researcher");
    assertThat(result.span("baggage").agent()).isEqualTo("from-baggage");
    assertThat(result.span("nothing").agent()).isEqualTo(TraceRollup.UNATTRIBUTED);
  }

  @Test
  void openLlmetryAssociationPropertiesAttributeBelowEveryKeyOfOurs() {
    String agent = "traceloop.association.properties.agent";
    String task = "traceloop.association.properties.task";
    String client = "traceloop.association.properties.client";
    List<SpanRecord> spans = List.of(
        span("root").build(),
        // only OpenLLMetry's spelling, as its SDK writes it on every span of the context
        chat("traceloop", "gpt-4o", 1_000, 0).parent("root")
            .attr(agent, "researcher").attr(task, "report-7").attr(client, "umbrella").build(),
        // our keys win: on the span, on the resource, in the baggage copy
        chat("own", "gpt-4o", 1_000, 0).parent("root")
            .attr("gen_ai.agent.name", "writer").attr(agent, "researcher")
            .attr("agentmeter.task.id", "report-8").attr(task, "report-7")
            .attr("agentmeter.client.id", "globex").attr(client, "acme").build(),
        chat("resource", "gpt-4o", 1_000, 0).parent("root")
            .resource("gen_ai.agent.name", "reviewer").attr(agent, "researcher")
            .resource("agentmeter.client.id", "initech").attr(client, "acme").build(),
        chat("baggage", "gpt-4o", 1_000, 0).parent("root")
            .attr("agentmeter.baggage.agent.name", "planner").attr(agent, "researcher")
            .attr("agentmeter.baggage.task.id", "report-9").attr(task, "report-7").build());

    RollupResult result = rollup(spans);

    assertThat(result.span("traceloop").agent()).isEqualTo("researcher");
    assertThat(result.span("traceloop").task()).isEqualTo("report-7");
    assertThat(result.span("traceloop").client()).isEqualTo("umbrella");
    assertThat(result.span("own").agent()).isEqualTo("writer");
    assertThat(result.span("own").task()).isEqualTo("report-8");
    assertThat(result.span("own").client()).isEqualTo("globex");
    assertThat(result.span("resource").agent()).isEqualTo("reviewer");
    assertThat(result.span("resource").client()).isEqualTo("initech");
    assertThat(result.span("baggage").agent()).isEqualTo("planner");
    assertThat(result.span("baggage").task()).isEqualTo("report-9");
    // 1,000 input tokens of gpt-4o at 2.50/M
    assertThat(result.byClient()).containsEntry("umbrella", usd("0.0025"));
  }

  @Test
  void taskAndClientComeFromAncestorsAcrossServicesOrDefault() {
    List<SpanRecord> spans = List.of(
        span("entry").resource("service.name", "orchestrator")
            .attr("agentmeter.task.id", "task-9").attr("agentmeter.client.id", "globex").build(),
        // a call into another service: different resource, same trace
        span("server").parent("entry").resource("service.name", "research").build(),
        chat("deep", "gpt-4o", 1_000, 0).parent("server").resource("service.name", "research").build(),
        chat("other-trace", "gpt-4o", 1_000, 0).trace("0af7651916cd43dd8448eb211c80319c").build());

    RollupResult result = rollup(spans);

    assertThat(result.span("deep").task()).isEqualTo("task-9");
    assertThat(result.span("deep").client()).isEqualTo("globex");
    assertThat(result.span("other-trace").task()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(result.span("other-trace").client()).isEqualTo(TraceRollup.UNATTRIBUTED);
    assertThat(result.byClient())
        .containsExactly(entry("globex", usd("0.0025")), entry("unattributed", usd("0.0025")));
  }

  @Test
  void sharedResourcesAreBilledOncePerTaskNotPerTrace() {
    SpanRecord first = span("s1").attr("gen_ai.operation.name", "execute_tool")
        .attr("gen_ai.tool.name", "vector_search").attr("agentmeter.task.id", "t1")
        .attr("agentmeter.shared.resource", "cache:prompt").build();
    SpanRecord sameTaskOtherTrace = span("s2").trace("0af7651916cd43dd8448eb211c80319c").start(at(5))
        .attr("gen_ai.operation.name", "execute_tool").attr("gen_ai.tool.name", "vector_search")
        .attr("agentmeter.task.id", "t1").attr("agentmeter.shared.resource", "cache:prompt").build();
    SpanRecord otherTask = span("s3").start(at(6)).attr("gen_ai.operation.name", "execute_tool")
        .attr("gen_ai.tool.name", "vector_search").attr("agentmeter.task.id", "t2")
        .attr("agentmeter.shared.resource", "cache:prompt").build();

    RollupResult result = rollup(List.of(otherTask, sameTaskOtherTrace, first));

    assertThat(result.total()).isEqualByComparingTo(usd("0.008"));
    assertThat(result.span("s2").status()).isEqualTo(CostStatus.SHARED_REUSE);
    assertThat(result.byTask()).containsOnly(entry("t1", usd("0.004")), entry("t2", usd("0.004")));
  }

  @Test
  void anSdkRetryUnderOneModelCallMarksItARetry() {
    List<SpanRecord> spans = List.of(
        chat("call", "gpt-4o", 1_000, 1_000).build(),
        span("http-1").parent("call").attr("http.response.status_code", 429L).build(),
        span("http-2").parent("call").start(at(1)).attr("http.request.resend_count", 1L).build());

    RollupResult result = rollup(spans);

    assertThat(result.span("call").retry()).isTrue();
    assertThat(result.retryTotal()).isEqualByComparingTo(usd("0.0125"));
  }

  @Test
  void parentCyclesDoNotHangAndEverySpanIsCosted() {
    List<SpanRecord> spans = List.of(
        chat("x", "gpt-4o", 1_000, 0).parent("y").build(),
        chat("y", "gpt-4o", 1_000, 0).parent("x").build());

    RollupResult result = rollup(spans);

    assertThat(result.spans()).hasSize(2);
    assertThat(result.total()).isGreaterThan(BigDecimal.ZERO);
  }

  @Test
  void totalsConvertIntoTheReportingCurrencyAtTheSpanDate() {
    FxTable fx = FxTable.builder()
        .add(LocalDate.parse("2026-01-01"), "USD", "GBP", new BigDecimal("0.80"))
        .add(LocalDate.parse("2026-10-15"), "USD", "GBP", new BigDecimal("0.75"))
        .add(LocalDate.parse("2026-01-01"), "EUR", "GBP", new BigDecimal("0.85"))
        .build();
    CostEngine gbp = CostEngine.builder().setCatalog(TestSpans.catalog())
        .setReportingCurrency("gbp").setFxTable(fx).build();
    TraceRollup rollup = gbp.newRollup();
    rollup.add(chat("usd", "gpt-4o", 1_000_000, 0).build()); // 2.50 USD on 2026-11-01
    rollup.add(chat("eur", "mistral-large-latest", 1_000_000, 0).build()); // 1.80 EUR

    RollupResult result = rollup.result();

    assertThat(result.currency()).isEqualTo("GBP");
    // 2.50 x 0.75 + 1.80 x 0.85
    assertThat(result.total()).isEqualByComparingTo(usd("3.405"));
    assertThat(result.span("eur").price().currency()).isEqualTo("EUR");
    assertThat(result.span("eur").price().amount()).isEqualByComparingTo(usd("1.8"));
  }

  @Test
  void aSpanWithoutAnFxRateIsUnpricedNotDropped() {
    CostEngine gbp = CostEngine.builder().setCatalog(TestSpans.catalog()).setReportingCurrency("GBP").build();
    TraceRollup rollup = gbp.newRollup();
    rollup.add(chat("usd", "gpt-4o", 1_000_000, 0).build());

    RollupResult result = rollup.result();

    assertThat(result.unpricedSpans()).isEqualTo(1);
    assertThat(result.span("usd").reason()).isEqualTo("priced 2.5 USD, but no USD->GBP rate on 2026-11-01");
  }
}
