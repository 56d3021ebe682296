package io.agentmeter.cost.benchmarks;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.pricing.SpanCost;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Pricing one span: attribute reading, normalisation, catalogue lookup and exact arithmetic. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class PricingBenchmark {

  private final CostEngine engine = CostEngine.create();
  private final SpanRecord openAi =
      Spans.chat("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", null, "gpt-4o");
  private final SpanRecord anthropic =
      Spans.chat("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b8", null, "claude-sonnet-4-5");
  private final SpanRecord unknown =
      Spans.chat("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b9", null, "acme-7b");

  @Benchmark
  public SpanCost priceOpenAiChatWithCacheAndReasoning() {
    return engine.price(openAi);
  }

  @Benchmark
  public SpanCost priceAnthropicChat() {
    return engine.price(anthropic);
  }

  @Benchmark
  public SpanCost priceUnknownModel() {
    return engine.price(unknown);
  }
}
