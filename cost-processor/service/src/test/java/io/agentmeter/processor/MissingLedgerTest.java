package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmeter.processor.jdbc.JdbcLedger;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A builder told to use an existing ledger ({@code report}, {@code reprice}, {@code replay}
 * without {@code --create-ledger}) refuses a location with none, and creates nothing there: no
 * SQLite file, no tables in a PostgreSQL schema.
 */
class MissingLedgerTest {

  @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();
  @TempDir static Path dir;

  static Stream<Arguments> ledgers() throws Exception {
    return Stream.of(
        Arguments.of("sqlite", dir.resolve("missing.db").toString(),
            dir.resolve("missing.db").toString()),
        Arguments.of("postgresql", POSTGRES.newLedgerUrl(), "jdbc:postgresql:"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ledgers")
  void aMissingLedgerIsRefusedUntilOneIsCreated(String kind, String location, String named)
      throws Exception {
    assertThatThrownBy(() -> Processor.builder().setLedger(location).setCreateLedger(false)
            .setReadOnly(true).open())
        .isInstanceOf(MissingLedgerException.class)
        .hasMessageStartingWith("there is no ledger at " + named)
        .hasMessageEndingWith(kind.equals("sqlite") ? named + "; nothing was created"
            : " (the database has none of the ledger's tables in its schema); nothing was created");
    assertThat(JdbcLedger.exists(location)).isFalse();

    try (Pipeline created = Processor.builder().setLedger(location).open()) {
      assertThat(created.costStore().traceIds()).isEmpty();
    }
    assertThat(JdbcLedger.exists(location)).isTrue();
    try (Pipeline existing = Processor.builder().setLedger(location).setCreateLedger(false).open()) {
      assertThat(existing.costStore().traceIds()).isEmpty();
    }
  }
}
