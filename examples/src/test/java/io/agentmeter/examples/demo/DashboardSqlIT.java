package io.agentmeter.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo on a PostgreSQL ledger (a real server, embedded from Maven Central), as the compose
 * setup runs it; then every SQL panel of the Grafana dashboard runs against that ledger, with its
 * time macros expanded as Grafana expands them.
 */
class DashboardSqlIT {

  private static EmbeddedPostgres postgres;
  private static String url;
  private static CostReport report;

  @BeforeAll
  static void runTheDemoOnPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres?user=postgres";
    Path work = Files.createTempDirectory("agentmeter-demo-pg");
    DemoOptions options = DemoOptions.parse(new String[] {
        "--agent", System.getProperty("agentmeter.demo.agentJar"),
        "--extension", System.getProperty("agentmeter.demo.extensionJar"),
        "--processor", System.getProperty("agentmeter.demo.processorJar"),
        "--demo-jar", System.getProperty("agentmeter.demo.jar")}, Map.of())
        .withPorts(Demo.freePort(), Demo.freePort(), work).withLedger(url);
    try (Demo.Running demo = Demo.start(options, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8))) {
      report = demo.report();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void theDemoCostsTheSameOnPostgresAsByHand() {
    assertThat(report.total()).isEqualByComparingTo("0.193845");
    assertThat(CostReport.cost(report.byClient(), "acme")).isEqualByComparingTo("0.13153");
  }

  @Test
  void everySqlPanelRunsAgainstTheLedgerAndFindsTheDemosRows() throws Exception {
    long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    long from = now - TimeUnit.HOURS.toNanos(6);
    assertThat(DashboardQueries.sql()).isNotEmpty();
    try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
      for (DashboardQueries.Query query : DashboardQueries.sql()) {
        List<List<Object>> rows = run(statement, DashboardQueries.expand(query.text(), from, now));
        assertThat(rows).as(query.panel()).isNotEmpty();
      }
    }
  }

  @Test
  void theMostExpensiveTracesPanelShowsTheRetriedReportFirst() throws Exception {
    List<List<Object>> rows = panelRows("Most expensive traces");
    assertThat(rows).hasSize(3);
    // trace, root span, client, cost, currency, shared, retry, unpriced, started
    assertThat((BigDecimal) rows.get(0).get(3)).isEqualByComparingTo("0.069215");
    assertThat(rows.get(0).get(2)).asString().contains("acme");
    assertThat((BigDecimal) rows.get(0).get(6)).isEqualByComparingTo("0.0186");
    assertThat(((Number) rows.get(0).get(7)).intValue()).isEqualTo(1);
  }

  @Test
  void theUnpricedPanelNamesTheModelAndTheReason() throws Exception {
    List<List<Object>> rows = panelRows("Unpriced calls");
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).subList(0, 3))
        .containsExactly("acme-distill-7b", "model 'acme-distill-7b' is not in the price catalogue", 3L);
  }

  /** The rows of the SQL panel whose title starts with {@code title}, over the last hour. */
  private static List<List<Object>> panelRows(String title) throws Exception {
    DashboardQueries.Query query = DashboardQueries.sql().stream()
        .filter(q -> q.panel().startsWith(title)).findFirst().orElseThrow();
    long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
    try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
      return run(statement, DashboardQueries.expand(query.text(), now - TimeUnit.HOURS.toNanos(1), now));
    }
  }

  private static List<List<Object>> run(Statement statement, String sql) throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
