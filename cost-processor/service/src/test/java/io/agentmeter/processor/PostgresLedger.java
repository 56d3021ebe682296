package io.agentmeter.processor;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server (embedded, from Maven Central) for the tests of one class:
 * {@code @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();}.
 */
final class PostgresLedger implements BeforeAllCallback, AfterAllCallback {

  private EmbeddedPostgres postgres;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    postgres = EmbeddedPostgres.builder().start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    postgres.close();
  }

  /** The ledger URL of the server's default database. */
  String url() {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?user=postgres";
  }
}
