package io.agentmeter.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import org.junit.jupiter.api.Test;

class SpanConverterTest {

  @Test
  void aStoredPayloadIsExactlyTheSpanWithItsResourceAndScope() throws Exception {
    ExportTraceServiceRequest request = OtlpPayloads.trace(7, 3).toBuilder()
        .setResourceSpans(0, OtlpPayloads.trace(7, 3).getResourceSpans(0).toBuilder()
            .setSchemaUrl("https://opentelemetry.io/schemas/1.41.0")
            .setScopeSpans(0, OtlpPayloads.trace(7, 3).getResourceSpans(0).getScopeSpans(0).toBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("io.example").setVersion("1.2"))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.40.0")))
        .build();

    Batch batch = SpanConverter.convert(request);

    assertThat(batch.spans()).hasSize(4);
    ResourceSpans original = request.getResourceSpans(0);
    for (int i = 0; i < 4; i++) {
      IncomingSpan span = batch.spans().get(i);
      ResourceSpans expected = ResourceSpans.newBuilder()
          .setResource(original.getResource())
          .setSchemaUrl(original.getSchemaUrl())
          .addScopeSpans(ScopeSpans.newBuilder()
              .setScope(original.getScopeSpans(0).getScope())
              .setSchemaUrl(original.getScopeSpans(0).getSchemaUrl())
              .addSpans(original.getScopeSpans(0).getSpans(i)))
          .build();
      assertThat(span.payload()).isEqualTo(expected.toByteArray());
      assertThat(SpanConverter.fromPayload(span.payload())).usingRecursiveComparison()
          .isEqualTo(span);
    }
  }
}
