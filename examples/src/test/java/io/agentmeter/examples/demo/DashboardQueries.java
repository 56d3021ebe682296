package io.agentmeter.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The queries of the compose setup's Grafana dashboard, read from its JSON. */
final class DashboardQueries {

  /** One query of one panel. */
  record Query(String panel, String datasourceUid, String text) {}

  private static final Pattern METRIC = Pattern.compile("\\bagentmeter_[a-z_]+");
  private static final Pattern NANO_FILTER = Pattern.compile("\\$__unixEpochNanoFilter\\(([^)]+)\\)");

  private DashboardQueries() {}

  static Path composeDir() {
    return Path.of(System.getProperty("agentmeter.demo.compose", "examples/compose"));
  }

  static JsonNode dashboard() throws IOException {
    return new ObjectMapper().readTree(composeDir().resolve("grafana/dashboards/agentmeter.json").toFile());
  }

  static List<Query> all() throws IOException {
    List<Query> queries = new ArrayList<>();
    for (JsonNode panel : dashboard().path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String uid = target.path("datasource").path("uid").asText(panel.path("datasource").path("uid").asText());
        String text = target.has("rawSql") ? target.path("rawSql").asText() : target.path("expr").asText();
        queries.add(new Query(panel.path("title").asText(), uid, text));
      }
    }
    return queries;
  }

  static List<Query> sql() throws IOException {
    return all().stream().filter(q -> q.datasourceUid().equals("agentmeter-ledger")).toList();
  }

  static List<Query> promql() throws IOException {
    return all().stream().filter(q -> q.datasourceUid().equals("agentmeter-prometheus")).toList();
  }

  /** Every {@code agentmeter_*} metric the PromQL queries read, histogram suffixes removed. */
  static Set<String> metricNames() throws IOException {
    Set<String> names = new TreeSet<>();
    for (Query q : promql()) {
      Matcher m = METRIC.matcher(q.text());
      while (m.find()) {
        names.add(m.group().replaceAll("_(bucket|sum|count)$", ""));
      }
    }
    return names;
  }

  /** The SQL as Grafana sends it for the range [fromNanos, toNanos]. */
  static String expand(String sql, long fromNanos, long toNanos) {
    String expanded = NANO_FILTER.matcher(sql).replaceAll(m -> m.group(1) + " >= " + fromNanos + " AND "
        + m.group(1) + " <= " + toNanos);
    if (expanded.contains("$__")) {
      throw new IllegalStateException("a Grafana macro this test does not expand: " + sql);
    }
    return expanded;
  }
}
