package io.agentmeter.testing.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The receiver decodes what the builders make, plain or gzipped. */
class OtlpFixturesTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theReceiverKeepsEverySpanWithItsResourceScopeAndAttributes() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      assertThat(post(receiver, OtlpPayloads.trace(7, 2).toByteArray(), false)).isEqualTo(200);
      ByteArrayOutputStream zipped = new ByteArrayOutputStream();
      try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
        gzip.write(OtlpPayloads.trace(8, 1).toByteArray());
      }
      assertThat(post(receiver, zipped.toByteArray(), true)).isEqualTo(200);

      assertThat(receiver.spans()).hasSize(3 + 2);
      List<OtlpReceiver.Received> roots = receiver.spans().stream().filter(OtlpReceiver.Received::isRoot).toList();
      assertThat(roots).extracting(OtlpReceiver.Received::traceId)
          .containsExactly(OtlpPayloads.traceIdHex(7), OtlpPayloads.traceIdHex(8));
      // trace 7 % 3 = 1
      assertThat(roots.get(0).attr("agentmeter.client.id")).isEqualTo("client-1");
      OtlpReceiver.Received call = receiver.named("chat gpt-4o-mini").get(0);
      assertThat(call.resource()).containsEntry("service.name", "load");
      assertThat(call.attributes()).containsEntry("gen_ai.usage.input_tokens", 100L)
          .containsEntry("gen_ai.agent.name", "agent-1");
      assertThat(call.attr("gen_ai.usage.output_tokens")).isEqualTo(10L);
      assertThat(call.attr("no.such.key")).isNull();

      assertThat(post(receiver, new byte[] {(byte) 0xff, 1, 2}, false)).isEqualTo(400);
      receiver.clear();
      assertThat(receiver.spans()).isEmpty();
    }
  }

  @Test
  void theWorkflowTraceIsEightSpansOfOneTraceRootLast() {
    List<SpanData> spans = WorkflowSpans.make("acme");
    assertThat(spans).hasSize(8);
    SpanData root = spans.get(spans.size() - 1);
    assertThat(root.getName()).isEqualTo("POST /reports");
    assertThat(root.getAttributes().get(AttributeKey.stringKey("agentmeter.client.id"))).isEqualTo("acme");
    assertThat(spans).allMatch(s -> s.getTraceId().equals(root.getTraceId()));
    assertThat(spans).filteredOn(s -> s.getName().startsWith("chat ")).extracting(SpanData::getName)
        .containsExactly("chat gpt-4o-mini", "chat gpt-4o", "chat acme-reviewer-7b");
  }

  private int post(OtlpReceiver receiver, byte[] body, boolean gzip) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(receiver.baseUrl() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (gzip) {
      request.header("Content-Encoding", "gzip");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
