package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The load command's CPU breakdown by pipeline stage. */
class LoadStagesTest {

  @Test
  void threadNamesAsProcGivesThemMapToStages() {
    assertThat(LoadCommand.stage("agentmeter-otlp")).isEqualTo("receive");
    assertThat(LoadCommand.stage("agentmeter-ledg")).isEqualTo("ingest");
    assertThat(LoadCommand.stage("agentmeter-trac")).isEqualTo("rollup");
    assertThat(LoadCommand.stage("agentmeter-roll")).isEqualTo("store");
    assertThat(LoadCommand.stage("GC Thread#1")).isEqualTo("gc");
    assertThat(LoadCommand.stage("G1 Conc#0")).isEqualTo("gc");
    assertThat(LoadCommand.stage("C2 CompilerThre")).isEqualTo("jit");
    assertThat(LoadCommand.stage("HTTP-Dispatcher")).isEqualTo("HTTP-Dispatcher");
    assertThat(LoadCommand.stage("pool-3-thread-12")).isEqualTo("pool-3-thread");
  }

  @Test
  void stagesAreTheirCpuPerSpanLargestFirstWithSmallOnesAsOther() {
    Map<String, Long> before = Map.of("store", 1_000L, "receive", 0L, "gc", 500L);
    Map<String, Long> after = Map.of("store", 801_000L, "receive", 400_000L, "gc", 510L,
        "rollup", 200_000L);
    // 1,400,010 ns in all over 100 spans: gc's 10 ns is under 2 % of it
    assertThat(LoadCommand.stages(before, after, 100))
        .isEqualTo("store 8,000, receive 4,000, rollup 2,000, other 0 ns per span");
  }
}
