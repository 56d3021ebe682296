package io.agentmeter.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The compose setup's files are well-formed and agree with each other and with the demo. */
class ComposeFilesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void promtoolAcceptsThePrometheusConfig() throws Exception {
    Path promtool = PrometheusServer.onPath("promtool");
    if (promtool == null) {
      assertThat(Boolean.getBoolean("agentmeter.require.prometheus")).as("promtool is required but missing").isFalse();
      Assumptions.abort("promtool is not installed (.ci/run installs Debian's prometheus)");
    }
    Process check = new ProcessBuilder(promtool.toString(), "check", "config",
        DashboardQueries.composeDir().resolve("prometheus.yml").toString()).redirectErrorStream(true).start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(output).isZero();
    assertThat(output).contains("SUCCESS");
  }

  @Test
  void everyDashboardQueryUsesAProvisionedDatasource() throws Exception {
    JsonNode sources = YAML.readTree(DashboardQueries.composeDir()
        .resolve("grafana/provisioning/datasources/datasources.yml").toFile());
    Set<String> uids = new HashSet<>();
    sources.path("datasources").forEach(d -> uids.add(d.path("uid").asText()));
    assertThat(uids).contains("agentmeter-prometheus", "agentmeter-ledger", "agentmeter-jaeger");
    assertThat(DashboardQueries.all()).isNotEmpty().allSatisfy(q -> assertThat(uids).contains(q.datasourceUid()));
    assertThat(DashboardQueries.sql()).hasSizeGreaterThanOrEqualTo(4);
    assertThat(DashboardQueries.promql()).hasSizeGreaterThanOrEqualTo(8);
    assertThat(DashboardQueries.dashboard().path("uid").asText()).isEqualTo("agentmeter-fleet");
  }

  @Test
  void composeRunsTheDemoServicesWithTheDemosAgentMapping() throws Exception {
    JsonNode compose = YAML.readTree(DashboardQueries.composeDir().resolve("docker-compose.yml").toFile());
    JsonNode services = compose.path("services");
    assertThat(services.fieldNames()).toIterable().contains("agentmeter", "jaeger", "prometheus", "grafana",
        "postgres", "fake-llm", "research-service", "orchestrator", "gateway");
    assertThat(services.path("orchestrator").path("environment").path("OTEL_INSTRUMENTATION_AGENTMETER_AGENTS")
        .asText().trim()).isEqualTo(Demo.AGENT_MAPPING);
    assertThat(services.path("research-service").path("environment").path("OTEL_RESOURCE_ATTRIBUTES").asText())
        .contains("gen_ai.agent.name=researcher");
    // the demo jar's main classes the services run
    for (String service : new String[] {"fake-llm", "research-service", "orchestrator"}) {
      JsonNode command = services.path(service).path("command");
      assertThat(command.get(1).asText()).as(service).isEqualTo("-cp");
      assertThat(Class.forName(command.get(3).asText()).getMethod("main", String[].class)).as(service).isNotNull();
    }
    String gateway = services.path("gateway").path("command").get(0).asText();
    for (Demo.Request r : Demo.REQUESTS) {
      assertThat(gateway).contains("agentmeter.task.id=" + r.task() + ",agentmeter.client.id=" + r.client());
    }
    JsonNode prometheus = YAML.readTree(DashboardQueries.composeDir().resolve("prometheus.yml").toFile());
    assertThat(prometheus.path("scrape_configs").get(0).path("static_configs").get(0).path("targets").get(0)
        .asText()).isEqualTo("agentmeter:8790");
    assertThat(services.path("agentmeter").path("command").toString()).contains("--api-token");
  }
}
