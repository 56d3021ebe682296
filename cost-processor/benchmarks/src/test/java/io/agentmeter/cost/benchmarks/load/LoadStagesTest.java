package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The load command's CPU breakdown by pipeline stage. */
class LoadStagesTest {

  @Test
  void threadNamesAsProcGivesThemMapToStages() {
    assertThat(ProcStats.stage("agentmeter-otlp")).isEqualTo("receive");
    assertThat(ProcStats.stage("agentmeter-ledg")).isEqualTo("ingest");
    assertThat(ProcStats.stage("agentmeter-trac")).isEqualTo("rollup");
    assertThat(ProcStats.stage("agentmeter-roll")).isEqualTo("store");
    assertThat(ProcStats.stage("agentmeter-forw")).isEqualTo("forward");
    assertThat(ProcStats.stage("HttpClient-1-Wo")).isEqualTo("forward");
    assertThat(ProcStats.stage("GC Thread#1")).isEqualTo("gc");
    assertThat(ProcStats.stage("G1 Conc#0")).isEqualTo("gc");
    assertThat(ProcStats.stage("C2 CompilerThre")).isEqualTo("jit");
    assertThat(ProcStats.stage("HTTP-Dispatcher")).isEqualTo("HTTP-Dispatcher");
    assertThat(ProcStats.stage("pool-3-thread-12")).isEqualTo("pool-3-thread");
  }

  @Test
  void stagesAreTheirCpuPerSpanLargestFirstWithSmallOnesAsOther() {
    Map<String, Long> before = Map.of("store", 1_000L, "receive", 0L, "gc", 500L);
    Map<String, Long> after = Map.of("store", 801_000L, "receive", 400_000L, "gc", 510L,
        "rollup", 200_000L);
    // 1,400,010 ns in all over 100 spans: gc's 10 ns is under 2 % of it
    assertThat(ProcStats.stages(before, after, 100))
        .isEqualTo("store 8,000, receive 4,000, rollup 2,000, other 0 ns per span");
  }

  @Test
  void thisProcessHasCpuTimeAndAPeakResidentSet() throws Exception {
    long pid = ProcessHandle.current().pid();

    assertThat(ProcStats.cpuNanos(pid)).isPositive();
    assertThat(ProcStats.peakRssKb(pid)).isPositive();
    // the JVM's compiler threads, by kind
    assertThat(ProcStats.stageCpuNanos(pid)).containsKey("jit");
  }
}
