package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.rollup.AllocationRule;
import io.agentmeter.processor.cli.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --currency --fx-table --shared-allocation}, as flags and as YAML keys: a bad value
 * stops the start with a message naming it (before any port or ledger is opened).
 */
class ServeEngineOptionsTest {

  @TempDir Path dir;

  @Test
  void anUnknownAllocationRuleIsNamed() {
    Result result = CliTest.run("serve", "--ledger", dir.resolve("l.db").toString(),
        "--shared-allocation", "HALF");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err())
        .contains("--shared-allocation must be FIRST_USER, EVEN or PROPORTIONAL; got 'HALF'");
    assertThat(dir.resolve("l.db")).doesNotExist();
  }

  @Test
  void ruleNamesAreReadInAnyCaseWithDashes() {
    assertThat(EngineOptions.allocationRule("first-user")).isEqualTo(AllocationRule.FIRST_USER);
    assertThat(EngineOptions.allocationRule(" Proportional ")).isEqualTo(AllocationRule.PROPORTIONAL);
    assertThat(EngineOptions.allocationRule("EVEN")).isEqualTo(AllocationRule.EVEN);
  }

  @Test
  void aBadFxTableFileIsNamedWithItsLine() throws Exception {
    Path rates = Files.writeString(dir.resolve("rates.csv"), "date,from,to,rate\n2024-01-01,USD,EUR,zero\n");

    Result result = CliTest.run("serve", "--ledger", dir.resolve("l.db").toString(),
        "--currency", "EUR", "--fx-table", rates.toString());

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("FX table " + rates + " line 2: ")
        .contains("(in '2024-01-01,USD,EUR,zero')");
    assertThat(dir.resolve("l.db")).doesNotExist();
  }

  @Test
  void theSettingsAreYamlKeysLikeEveryOption() throws Exception {
    Path rates = Files.writeString(dir.resolve("rates.csv"), "2024-01-01,USD,GBP,0.79\n");
    Path config = Files.writeString(dir.resolve("agentmeter.yaml"), String.join("\n",
        "ledger: " + dir.resolve("l.db"),
        "currency: EUR",
        "fx-table: " + rates,
        "shared-allocation: even",
        ""));

    Result result = CliTest.run("serve", "--config", config.toString());

    // every key was read: the rule parsed, and the currency and table reached the start check
    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("reporting currency EUR: the FX table " + rates
        + " has no rate between EUR and USD");

    Result rule = CliTest.run("serve", "--config", config.toString(), "--fx-table", rates.toString(),
        "--shared-allocation", "by-weight");
    assertThat(rule.err()).contains("got 'by-weight'");
  }
}
