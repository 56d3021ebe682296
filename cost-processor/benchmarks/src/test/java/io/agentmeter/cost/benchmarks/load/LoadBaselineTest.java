package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load command's baseline: bare protobuf parse + re-encode in a JVM like the service's. */
class LoadBaselineTest {

  @Test
  void eachFigureIsTheMedianOfTheRoundsPerSpan() {
    List<String> lines = List.of(
        "Picked up JAVA_TOOL_OPTIONS: -Dx=y",
        "round 100 2000000 3000000",  // 100 requests of 10 spans: 2,000 / 3,000 ns per span
        "round 100 9000000 9500000",  // disturbed
        "round 200 3000000 5000000"); // 1,500 / 2,500
    Baseline baseline = Baseline.parse(lines, 10);

    assertThat(baseline.threadNanosPerSpan()).isEqualTo(2_000.0);
    assertThat(baseline.processNanosPerSpan()).isEqualTo(3_000.0);
  }

  @Test
  void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwo() {
    Baseline baseline = Baseline.parse(List.of("round 10 100 400", "round 10 300 200"), 1);

    assertThat(baseline.threadNanosPerSpan()).isEqualTo(20.0);
    assertThat(baseline.processNanosPerSpan()).isEqualTo(30.0);
  }

  @Test
  void aProcessThatReportedNoRoundIsAnError() {
    assertThatThrownBy(() -> Baseline.parse(List.of("Error: out of memory"), 200))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no rounds")
        .hasMessageContaining("out of memory");
  }

  @Test
  void theBaselineCommandParsesAndReEncodesThePoolAndReportsEachRound(@TempDir Path dir)
      throws Exception {
    Path pool = dir.resolve("pool.bin");
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      bodies.add(Traces.request(Profile.mixed, i * 20L, 20, 1_764_000_000_000L, true).toByteArray());
    }
    LoadBaselineCommand.write(pool, bodies);
    assertThat(LoadBaselineCommand.read(pool)).hasSize(3)
        .zipSatisfy(bodies, (read, written) -> assertThat(read).isEqualTo(written));

    LoadCliTest.Result result = LoadCliTest.run("load-baseline", "--pool", pool.toString(),
        "--warmup-seconds", "0", "--rounds", "2", "--round-seconds", "1");

    assertThat(result.code()).isZero();
    List<String> rounds = result.out().lines().toList();
    assertThat(rounds).hasSize(2).allMatch(line -> line.matches("round [1-9]\\d* [1-9]\\d* [1-9]\\d*"));
    Baseline baseline = Baseline.parse(rounds, 200);
    // a second of work on one thread: the process's CPU includes the thread's
    assertThat(baseline.processNanosPerSpan()).isGreaterThanOrEqualTo(baseline.threadNanosPerSpan() * 0.9);
    assertThat(baseline.threadNanosPerSpan()).isBetween(10.0, 1_000_000.0);
  }
}
