package io.agentmeter.processor;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server (embedded, from Maven Central) for the tests of one class:
 * {@code @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();}.
 */
public final class PostgresLedger implements BeforeAllCallback, AfterAllCallback {

  private final AtomicInteger schemas = new AtomicInteger();
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
  public String url() {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?user=postgres";
  }

  /** The URL of a new, empty ledger on the server (a schema of its own, for one test). */
  public String newLedgerUrl() throws Exception {
    String name = "ledger_" + schemas.incrementAndGet();
    try (Connection c = DriverManager.getConnection(url());
        Statement statement = c.createStatement()) {
      statement.execute("CREATE SCHEMA " + name);
    }
    return url() + "&currentSchema=" + name;
  }
}
