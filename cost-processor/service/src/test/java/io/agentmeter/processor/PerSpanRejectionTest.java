package io.agentmeter.processor;

import static io.agentmeter.testing.otlp.OtlpPayloads.str;
import static io.agentmeter.testing.otlp.OtlpPayloads.num;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.agentmeter.processor.model.TraceCost;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A span that cannot be stored (a string that is not UTF-8 in its name, an attribute or its
 * resource; a time past what nanoseconds since 1970 can hold) is rejected alone with
 * {@code partial_success}: OTLP senders do not retry a 400, so failing the request would lose its
 * good spans.
 */
class PerSpanRejectionTest {

  private static final HexFormat HEX = HexFormat.of();
  /** "é" in UTF-8; each is made invalid (C3 28) in the encoded request. */
  private static final String BAD = "\u00e9";

  @TempDir Path dir;

  @Test
  void badStringsAndTimesRejectOnlyTheirSpansAndTheRestIsPriced() throws Exception {
    ByteString trace = ByteString.fromHex("4bf92f3577b34da6a3ce929d0e0e4736");
    long start = 1_764_000_000_000_000_000L;
    Span root = span(trace, 1, 0, "POST /work", start).build();
    Span good = llm(trace, 2, "gpt-4o-mini", "writer", start + 1).build();
    Span badModel = llm(trace, 3, "gpt-4o-mini" + BAD, "writer", start + 2).build();
    Span badAgent = llm(trace, 4, "gpt-4o-mini", "writer" + BAD, start + 3).build();
    Span badName = llm(trace, 5, "gpt-4o-mini", "writer", start + 4).setName("chat" + BAD).build();
    Span farFuture = llm(trace, 6, "gpt-4o-mini", "writer", start + 5)
        .setStartTimeUnixNano(Long.MIN_VALUE).setEndTimeUnixNano(Long.MIN_VALUE + 9).build();
    ResourceSpans fine = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "orchestrator")))
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(root).addSpans(good).addSpans(badModel).addSpans(badAgent).addSpans(badName)
            .addSpans(farFuture))
        .build();
    ResourceSpans badResource = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "research" + BAD)))
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(llm(trace, 7, "gpt-4o-mini", "researcher", start + 6))
            .addSpans(llm(trace, 8, "gpt-4o-mini", "researcher", start + 7)))
        .build();
    byte[] body = invalidate(ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(fine).addResourceSpans(badResource).build().toByteArray());

    try (Processor processor = Processor.builder().setLedger(dir.resolve("l.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0).setBindHost("127.0.0.1")
        .setTraceGrace(Duration.ofMillis(50)).start()) {
      HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + processor.otlpHttpPort() + "/v1/traces"))
          .header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.ofByteArray());

      assertThat(response.statusCode()).isEqualTo(200);
      ExportTraceServiceResponse answer = ExportTraceServiceResponse.parseFrom(response.body());
      assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(6);
      assertThat(answer.getPartialSuccess().getErrorMessage())
          .contains("span 0/0/2 ('chat') rejected: an attribute is not valid UTF-8")
          .contains("span 0/0/3 ('chat') rejected: an attribute is not valid UTF-8")
          .contains("span 0/0/4 ('?') rejected: its name is not valid UTF-8")
          .contains("span 0/0/5 ('chat') rejected: start_time_unix_nano 9223372036854775808"
              + " is after the year 2262")
          .contains("span 1/0/0 ('chat') rejected: an attribute of its resource is not valid UTF-8")
          .contains("span 1/0/1 ('chat') rejected: an attribute of its resource is not valid UTF-8");

      processor.flush();
      TraceCost cost = processor.costStore().trace(HEX.formatHex(trace.toByteArray())).orElseThrow();
      // the one good call: 100 input tokens at $0.15/M + 10 output at $0.60/M
      assertThat(cost.total()).isEqualByComparingTo(new BigDecimal("0.000021"));
      assertThat(cost.byAgent()).containsOnlyKeys("writer");
      assertThat(cost.spans()).extracting(s -> s.spanId())
          .containsExactly(HEX.formatHex(id(1)), HEX.formatHex(id(2)));
    }
  }

  private static byte[] invalidate(byte[] encoded) {
    byte[] bytes = encoded.clone();
    int replaced = 0;
    for (int i = 0; i + 1 < bytes.length; i++) {
      if (bytes[i] == (byte) 0xC3 && bytes[i + 1] == (byte) 0xA9) {
        bytes[i + 1] = 0x28; // a lead byte followed by '(': not UTF-8, same length
        replaced++;
      }
    }
    assertThat(replaced).isEqualTo(4);
    return bytes;
  }

  private static Span.Builder span(ByteString trace, int id, int parent, String name, long start) {
    Span.Builder span = Span.newBuilder().setTraceId(trace).setSpanId(ByteString.copyFrom(id(id)))
        .setName(name).setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1_000_000);
    if (parent != 0) {
      span.setParentSpanId(ByteString.copyFrom(id(parent)));
    }
    return span;
  }

  private static Span.Builder llm(ByteString trace, int id, String model, String agent,
      long start) {
    return span(trace, id, 1, "chat", start)
        .addAttributes(str("gen_ai.operation.name", "chat"))
        .addAttributes(str("gen_ai.provider.name", "openai"))
        .addAttributes(str("gen_ai.request.model", model))
        .addAttributes(str("gen_ai.agent.name", agent))
        .addAttributes(num("gen_ai.usage.input_tokens", 100))
        .addAttributes(num("gen_ai.usage.output_tokens", 10));
  }

  private static byte[] id(int n) {
    return new byte[] {0, 0, 0, 0, 0, 0, 0x10, (byte) n};
  }

}
