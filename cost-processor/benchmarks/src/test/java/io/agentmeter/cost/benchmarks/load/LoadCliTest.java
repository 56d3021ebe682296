package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The load tool's command line. */
class LoadCliTest {

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = LoadCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsLoadAndHidesTheBaselineCommand() {
    Result help = run("--help");

    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("load").doesNotContain("load-baseline");
  }

  @Test
  void loadTakesAProfileAndForwarding() {
    Result help = run("load", "--help");

    assertThat(help.out()).contains("--profile", "llm", "mixed", "--[no-]forward", "--duration",
        "--warmup", "--senders", "--spans-per-request", "--heap", "--gc", "--service-jvm-arg",
        "--trace-ids", "--dir");
  }

  @Test
  void anUnknownProfileIsAUsageError() {
    Result result = run("load", "--profile", "http");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("--profile").contains("llm, mixed");
  }

  @Test
  void aMalformedDurationFailsBeforeAnythingStarts() {
    Result result = run("load", "--duration", "soon");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("--duration must be a duration like 500ms, 30s, 5m or PT30S; got 'soon'");
  }
}
