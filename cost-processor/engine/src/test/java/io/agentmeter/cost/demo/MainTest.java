package io.agentmeter.cost.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.pricing.CostStatus;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.SpanOutcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void sampleTraceIsCostedAndPrintedWithEveryCase() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RollupResult result = Main.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertThat(result.duplicateDeliveries()).isEqualTo(2);
    assertThat(result.unpricedSpans()).isEqualTo(1);
    assertThat(result.sharedTotal()).isEqualByComparingTo("0.004");
    assertThat(result.byAgent().keySet()).containsExactlyInAnyOrder("researcher", "writer", "planner");
    assertThat(result.byClient().keySet()).containsExactly("acme-corp");
    assertThat(result.byTask().keySet()).containsExactly("report-7");
    BigDecimal priced =
        result.spans().stream()
            .filter(s -> s.status() == CostStatus.PRICED)
            .map(SpanOutcome::cost)
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(result.total()).isEqualByComparingTo(priced).isPositive();
    assertThat(result.retryTotal()).isEqualByComparingTo(result.span("a000000000000007").cost());
    assertThat(result.span("b000000000000002").status()).isEqualTo(CostStatus.AGGREGATE);
    assertThat(result.span("a000000000000002").status()).isEqualTo(CostStatus.AGGREGATE);
    assertThat(result.span("a000000000000005").status()).isEqualTo(CostStatus.SHARED_REUSE);
    assertThat(out)
        .contains("trace 4bf92f3577b34da6a3ce929d0e0e4736   total " + result.total().toPlainString() + " USD")
        .contains("unpriced spans 1   duplicate deliveries 2")
        .contains("model 'acme-reviewer-7b' is not in the price catalogue");
  }
}
