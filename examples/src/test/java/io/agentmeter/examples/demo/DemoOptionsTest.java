package io.agentmeter.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmeter.testing.llm.Scenario;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void flagsWinOverTheEnvironmentWhichWinsOverTheDefaults() {
    Map<String, String> env = Map.of("AGENTMETER_DEMO_FORWARD", "http://jaeger:4318",
        "AGENTMETER_DEMO_API_PORT", "9000");
    DemoOptions fromEnv = DemoOptions.parse(new String[0], env);
    assertThat(fromEnv.forward()).isEqualTo("http://jaeger:4318");
    assertThat(fromEnv.apiPort()).isEqualTo(9000);
    assertThat(fromEnv.otlpHttpPort()).isEqualTo(4318);
    assertThat(fromEnv.ledger()).isNull();
    assertThat(fromEnv.workDir()).isEqualTo(Path.of("examples/target/demo"));
    DemoOptions flags = DemoOptions.parse(new String[] {"--forward", "grpc://tempo:4317", "--api-port", "9100",
        "--keep-running", "--ledger", "jdbc:postgresql://db/agentmeter?user=a"}, env);
    assertThat(flags.forward()).isEqualTo("grpc://tempo:4317");
    assertThat(flags.apiPort()).isEqualTo(9100);
    assertThat(flags.keepRunning()).isTrue();
    assertThat(flags.ledger()).isEqualTo("jdbc:postgresql://db/agentmeter?user=a");
  }

  @Test
  void anOptionThatCannotBeReadIsRejectedSayingWhy() {
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--colour"}, Map.of()))
        .hasMessage("unknown option '--colour'");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--api-port", "99999"}, Map.of()))
        .hasMessage("--api-port must be a port number, not '99999'");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--forward"}, Map.of()))
        .hasMessage("--forward needs a value");
    assertThatThrownBy(() -> DemoOptions.parse(new String[] {"--ledger", "ledger.db"}, Map.of()))
        .hasMessageStartingWith("--ledger must be a jdbc:postgresql: URL");
  }

  @Test
  void theBundledScenarioHasEveryModelTheDemoCalls() {
    Scenario bundled = DemoOptions.bundledScenario();
    for (String model : new String[] {"gpt-4o", "gpt-4.1", "gpt-4o-mini", "text-embedding-3-small", "acme-distill-7b"}) {
      assertThat(bundled.model("openai", model)).as(model).isNotNull();
    }
    assertThat(bundled.model("anthropic", "claude-sonnet-4-5").servedAs("claude-sonnet-4-5"))
        .isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(bundled.model("openai", "gpt-4.1").failures()).isEqualTo(1);
    assertThat(bundled.anthropicCachePrefix()).isEqualTo(2000);
    assertThat(bundled.model("openai", "gpt-5")).as("a model the demo does not call gets 404").isNull();
  }

  @Test
  void aMissingJarIsNamedWithTheCommandThatBuildsIt() {
    DemoOptions options = DemoOptions.parse(new String[] {"--agent", "no/such/agent.jar"}, Map.of());
    assertThatThrownBy(options::check).isInstanceOf(IllegalStateException.class)
        .hasMessage("no/such/agent.jar is missing: run `mvn -B -q package -DskipTests` from the repository root "
            + "first (examples/demo.sh does both)");
  }
}
