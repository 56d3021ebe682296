package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmeter.processor.api.ApiServer.ApiToken;
import io.agentmeter.testing.otlp.WorkflowSpans;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void tokensAreRequiredAndAClientScopedTokenSeesOnlyThatClient() throws Exception {
    try (Processor processor = Processor.builder().setLedger(dir.resolve("l.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(100))
        .addApiToken(ApiToken.parse("admin-secret"))
        .addApiToken(ApiToken.parse("acme-secret=acme"))
        .start()) {
      List<SpanData> acme = WorkflowSpans.make("acme");
      List<SpanData> globex = WorkflowSpans.make("globex");
      try (OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces").build()) {
        assertThat(exporter.export(acme).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(exporter.export(globex).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      String globexTrace = globex.get(0).getTraceId();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> get(processor, "/api/v1/traces/" + globexTrace, "admin-secret").statusCode() == 200);

      assertThat(get(processor, "/api/v1/costs", null).statusCode()).isEqualTo(401);
      assertThat(get(processor, "/api/v1/costs", "wrong").statusCode()).isEqualTo(401);
      // health carries no data and a load balancer has no token
      assertThat(get(processor, "/healthz", null).statusCode()).isEqualTo(200);
      assertThat(get(processor, "/readyz", null).statusCode()).isEqualTo(200);
      assertThat(get(processor, "/metrics", null).statusCode()).isEqualTo(401);

      JsonNode all = JSON.readTree(get(processor, "/api/v1/costs?groupBy=client", "admin-secret").body());
      assertThat(all.get("rows")).extracting(r -> r.get("key").asText())
          .containsExactlyInAnyOrder("acme", "globex");

      JsonNode scoped = JSON.readTree(get(processor, "/api/v1/costs?groupBy=client", "acme-secret").body());
      assertThat(scoped.get("rows")).extracting(r -> r.get("key").asText()).containsExactly("acme");
      assertThat(scoped.get("rows").get(0).get("cost").decimalValue())
          .isEqualByComparingTo(WorkflowSpans.TOTAL);
      assertThat(get(processor, "/api/v1/costs?client=globex", "acme-secret").statusCode()).isEqualTo(403);
      assertThat(get(processor, "/api/v1/traces/" + globexTrace, "acme-secret").statusCode()).isEqualTo(404);
      assertThat(get(processor, "/api/v1/traces/" + acme.get(0).getTraceId(), "acme-secret").statusCode())
          .isEqualTo(200);
      JsonNode top = JSON.readTree(get(processor, "/api/v1/traces?limit=10", "acme-secret").body());
      assertThat(top.get("traces")).hasSize(1);
      assertThat(get(processor, "/metrics", "acme-secret").statusCode()).isEqualTo(403);
      assertThat(get(processor, "/metrics", "admin-secret").body()).contains("agentmeter_cost_total{");
    }
  }

  @Test
  void theSchemeIsCaseInsensitiveAndOnlyTheWholeTokenOpens() throws Exception {
    try (Processor processor = Processor.builder().setLedger(dir.resolve("l.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .addApiToken(ApiToken.parse("admin-secret"))
        .addApiToken(ApiToken.parse("acme-secret=acme"))
        .start()) {
      for (String accepted : List.of("Bearer admin-secret", "bearer admin-secret",
          "BEARER admin-secret", "bEaReR   admin-secret ", "bearer acme-secret")) {
        assertThat(authorised(processor, accepted).statusCode()).as(accepted).isEqualTo(200);
      }
      for (String refused : List.of("Bearer admin-secreT", "Bearer admin-secre",
          "Bearer admin-secret2", "Bearer ", "Bearer", "Basic admin-secret", "admin-secret",
          "Bearer acme", "Bearer admin-secret acme-secret", "Beareradmin-secret")) {
        HttpResponse<String> response = authorised(processor, refused);
        assertThat(response.statusCode()).as(refused).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(response.body())
            .isEqualTo("{\"error\":\"a valid 'Authorization: Bearer <token>' header is required\"}");
      }
    }
  }

  private static HttpResponse<String> authorised(Processor processor, String authorization)
      throws Exception {
    return HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + processor.apiPort() + "/api/v1/costs"))
        .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(Processor processor, String path, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processor.apiPort() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
