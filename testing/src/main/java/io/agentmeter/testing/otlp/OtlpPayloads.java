package io.agentmeter.testing.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.nio.ByteBuffer;

/**
 * OTLP export requests of one trace each: a root span and {@code calls} gpt-4o-mini calls of 100
 * input and 10 output tokens, each costing 100 x 0.15e-6 + 10 x 0.60e-6 = 0.000021.
 */
public final class OtlpPayloads {

  public static final BigDecimal CALL_COST = new BigDecimal("0.000021");

  private OtlpPayloads() {}

  public static ExportTraceServiceRequest trace(long traceNumber, int calls) {
    ByteString traceId = ByteString.copyFrom(
        ByteBuffer.allocate(16).putLong(0x4bf92f3577b34da6L).putLong(traceNumber + 1).array());
    long start = 1_764_000_000_000_000_000L + traceNumber * 1_000_000L;
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    ByteString rootId = spanId(traceNumber, 0);
    scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(rootId).setName("POST /work")
        .setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 900_000)
        .addAttributes(str("agentmeter.client.id", "client-" + (traceNumber % 3))));
    for (int i = 1; i <= calls; i++) {
      scope.addSpans(Span.newBuilder().setTraceId(traceId).setSpanId(spanId(traceNumber, i))
          .setParentSpanId(rootId).setName("chat gpt-4o-mini").setKind(Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(start + i).setEndTimeUnixNano(start + 800_000)
          .addAttributes(str("gen_ai.operation.name", "chat"))
          .addAttributes(str("gen_ai.provider.name", "openai"))
          .addAttributes(str("gen_ai.request.model", "gpt-4o-mini"))
          .addAttributes(str("gen_ai.agent.name", "agent-" + (i % 4)))
          .addAttributes(num("gen_ai.usage.input_tokens", 100))
          .addAttributes(num("gen_ai.usage.output_tokens", 10)));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "load")))
        .addScopeSpans(scope)).build();
  }

  public static String traceIdHex(long traceNumber) {
    return String.format("4bf92f3577b34da6%016x", traceNumber + 1);
  }

  private static ByteString spanId(long trace, int i) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong((trace << 16) | (i + 1)).array());
  }

  /** {@code request} with only the span at {@code index} of its first scope (a late span alone). */
  public static ExportTraceServiceRequest only(ExportTraceServiceRequest request, int index) {
    ExportTraceServiceRequest.Builder builder = request.toBuilder();
    ScopeSpans.Builder scope = builder.getResourceSpansBuilder(0).getScopeSpansBuilder(0);
    Span keep = scope.getSpans(index);
    scope.clearSpans().addSpans(keep);
    return builder.build();
  }

  /** A string attribute. */
  public static KeyValue str(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** An integer attribute. */
  public static KeyValue num(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }
}
