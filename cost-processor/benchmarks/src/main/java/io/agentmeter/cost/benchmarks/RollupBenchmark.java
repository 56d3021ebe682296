package io.agentmeter.cost.benchmarks;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.cost.rollup.RollupResult;
import io.agentmeter.cost.rollup.TraceRollup;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Adding spans to a rollup and computing it, reported per span: a 101-span trace (25 agents, each
 * with an HTTP span and two model calls) is added whole and costed once per invocation; and the
 * 10-span trace of the service's {@code load} command.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class RollupBenchmark {

  private static final int SPANS = 101;

  private final CostEngine engine = CostEngine.create();
  private final List<SpanRecord> trace = Spans.trace("4bf92f3577b34da6a3ce929d0e0e4736", 25);

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public RollupResult addAndCostPerSpan() {
    TraceRollup rollup = engine.newRollup();
    for (SpanRecord span : trace) {
      rollup.add(span);
    }
    return rollup.result();
  }

  private final List<SpanRecord> loadTrace = Spans.loadTrace("0123456789ab00000000000000000004");

  /** The service's load: a 10-span trace (a root and 9 chat calls) added and costed, per span. */
  @Benchmark
  @OperationsPerInvocation(10)
  public RollupResult loadTracePerSpan() {
    TraceRollup rollup = engine.newRollup();
    for (SpanRecord span : loadTrace) {
      rollup.add(span);
    }
    return rollup.result();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public int addOnlyPerSpan() {
    TraceRollup rollup = engine.newRollup();
    for (SpanRecord span : trace) {
      rollup.add(span);
    }
    return rollup.size();
  }
}
