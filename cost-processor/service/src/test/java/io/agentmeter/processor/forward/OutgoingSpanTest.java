package io.agentmeter.processor.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.agentmeter.processor.otlp.ForwardPayloads;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutgoingSpanTest {

  @Test
  void attributesAreWrittenAsProtobufJavaWritesTheSameKeyValues() throws Exception {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("agentmeter.cost.status", "priced");
    attributes.put("agentmeter.cost.reason", "");
    attributes.put("agentmeter.cost.amount", 0.0055625);
    attributes.put("zero", 0.0);
    attributes.put("negative.zero", -0.0);
    attributes.put("nan", Double.NaN);
    attributes.put("agentmeter.trace.unpriced_spans", 0L);
    attributes.put("minus", -1L);
    attributes.put("large", Long.MAX_VALUE);
    attributes.put("yes", true);
    attributes.put("no", false);
    attributes.put("agentmeter.trace.agents", List.of("planner", "é ✓ 𝄞", ""));
    attributes.put("nested", List.of(List.of(1L, 2.5), List.of(), true));
    attributes.put("", "an empty key");
    attributes.put("agentmeter.trace.cost.agent.büro", new BigDecimal("0.10"));
    attributes.put("long.text", "x".repeat(300));

    byte[] fields = new OutgoingSpan("t", "s", new byte[0], attributes).attributeFields();

    Span.Builder expected = Span.newBuilder();
    attributes.forEach((k, v) -> expected.addAttributes(
        KeyValue.newBuilder().setKey(k).setValue(anyValue(v))));
    assertThat(fields).isEqualTo(expected.build().toByteArray());
    assertThat(Span.parseFrom(fields)).isEqualTo(expected.build());
  }

  @Test
  void theEstimateOfARequestsBytesIsNeverShort() {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("agentmeter.trace.cost.agent.日本語", 1.5);
    attributes.put("agentmeter.trace.agents", List.of("日本語", "𝄞𝄞𝄞"));
    attributes.put("k", Long.MIN_VALUE);
    attributes.put("s", "ü".repeat(100));
    for (int payload : new int[] {0, 100, 127, 128, 16_383, 16_384, 2_000_000}) {
      OutgoingSpan span = new OutgoingSpan("t", "s", new byte[payload], attributes);
      long part = payload + span.attributeFields().length + 2 * 4; // two length prefixes grow
      long framed = 1 + CodedOutputStream.computeUInt32SizeNoTag((int) part) + part;
      assertThat(span.maxRequestBytes()).isGreaterThanOrEqualTo(framed);
      OutgoingSpan bare = new OutgoingSpan("t", "s", new byte[payload], Map.of());
      assertThat(bare.maxRequestBytes())
          .isGreaterThanOrEqualTo(1 + CodedOutputStream.computeUInt32SizeNoTag(payload) + payload);
    }
  }

  @Test
  void theEstimateCountsTheRenamedAttributesAtTheirMost() throws Exception {
    // as many renamed attributes as a span can hold: keys without values
    Span.Builder span = Span.newBuilder().setTraceId(ByteString.copyFrom(
        new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]));
    for (int i = 0; i < 500; i++) {
      span.addAttributes(KeyValue.newBuilder().setKey("gen_ai.usage.cost"));
    }
    byte[] payload = ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span))
        .build().toByteArray();
    OutgoingSpan outgoing = new OutgoingSpan("t", "s", payload,
        Map.of("agentmeter.cost.amount", 0.5),
        Map.of("gen_ai.usage.cost", "agentmeter.cost.original.gen_ai.usage.cost"));

    byte[] part = new ForwardPayloads().forwardable(
        payload, outgoing.attributeFields(), outgoing.renamed());

    // each key 25 bytes longer; the span's and the scope's length prefixes one byte longer each
    assertThat(part.length)
        .isEqualTo(payload.length + 500 * 25 + 2 + outgoing.attributeFields().length);
    assertThat(outgoing.maxRequestBytes())
        .isGreaterThanOrEqualTo(1 + CodedOutputStream.computeUInt32SizeNoTag(part.length) + part.length);
  }

  private static AnyValue anyValue(Object value) {
    if (value instanceof Double d) {
      return AnyValue.newBuilder().setDoubleValue(d).build();
    }
    if (value instanceof Long l) {
      return AnyValue.newBuilder().setIntValue(l).build();
    }
    if (value instanceof Boolean b) {
      return AnyValue.newBuilder().setBoolValue(b).build();
    }
    if (value instanceof List<?> list) {
      ArrayValue.Builder array = ArrayValue.newBuilder();
      list.forEach(item -> array.addValues(anyValue(item)));
      return AnyValue.newBuilder().setArrayValue(array).build();
    }
    return AnyValue.newBuilder().setStringValue(String.valueOf(value)).build();
  }
}
