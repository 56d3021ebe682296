package io.agentmeter.processor.otlp;

import io.agentmeter.processor.model.Batch;

import io.agentmeter.processor.model.IncomingSpan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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

    Batch batch = SpanConverter.convert(request.toByteArray());

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

  @Test
  void aVariedRequestGivesTheSameBatchAsConvertingTheParsedMessages() throws Exception {
    assertSameAsMessageConversion(variedRequest());
  }

  @Test
  void readsTheSpansAttributeValuesOfEveryType() throws Exception {
    Batch batch = SpanConverter.convert(variedRequest().toByteArray());

    Map<String, Object> attributes = batch.spans().get(0).record().attributes();
    assertThat(attributes).containsEntry("gen_ai.request.model", "gpt-4o")
        .containsEntry("gen_ai.usage.input_tokens", 1200L)
        .containsEntry("gen_ai.request.temperature", 0.25)
        .containsEntry("agentmeter.shared", true)
        .containsEntry("gen_ai.request.stop_sequences", List.of("END", 7L, List.of(), List.of(1.5)))
        .containsEntry("agentmeter.blob", "AAH/")
        .containsEntry("gen_ai.request.options",
            "values {\n  key: \"k\"\n  value {\n    string_value: \"v\"\n  }\n}\n")
        .doesNotContainKeys("http.method", "gen_ai.unset", "gen_ai.indexed");
    assertThat(batch.spans().get(0).record().resource())
        .containsEntry("service.name", "checkout").containsEntry("host.cores", 8L);
    assertThat(batch.spans().get(0).record().error()).isTrue();
    assertThat(batch.spans().get(1).record().error()).isFalse();
  }

  /**
   * A resource given 1,000,000 times (protobuf merges repeats of a message field) is joined once:
   * merging each repeat into a copy of all before it would copy about a terabyte for this 2 MB body.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aMessageFieldRepeatedManyTimesIsMergedInOnePass() throws Exception {
    ExportTraceServiceRequest one = OtlpPayloads.trace(9, 1);
    java.io.ByteArrayOutputStream resourceSpans = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 1_000_000; i++) {
      resourceSpans.write(new byte[] {0x0a, 0x00}); // resource: an empty message
    }
    // the last repeat carries the resource's attribute; then the scope and its spans
    one.getResourceSpans(0).toBuilder().clearScopeSpans().build().writeTo(resourceSpans);
    for (var scope : one.getResourceSpans(0).getScopeSpansList()) {
      com.google.protobuf.CodedOutputStream out =
          com.google.protobuf.CodedOutputStream.newInstance(resourceSpans);
      out.writeMessage(2, scope);
      out.flush();
    }
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream out =
        com.google.protobuf.CodedOutputStream.newInstance(body);
    out.writeByteArray(1, resourceSpans.toByteArray());
    out.flush();

    Batch batch = SpanConverter.convert(body.toByteArray());

    assertThat(batch.spans()).hasSize(2);
    assertThat(batch.spans().get(0).record().resource()).containsEntry("service.name", "load");
    assertSameAsMessageConversion(ExportTraceServiceRequest.parseFrom(body.toByteArray()));
  }

  @Test
  void unknownFieldsAreSkippedAndKeptInTheSpansBytes() throws Exception {
    UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(5).addFixed64(6)
            .addLengthDelimited(ByteString.copyFromUtf8("later")).addFixed32(7)
            .addGroup(UnknownFieldSet.newBuilder().addField(1, UnknownFieldSet.Field.newBuilder()
                .addVarint(1).build()).build()).build())
        .build();
    ExportTraceServiceRequest plain = variedRequest();
    ExportTraceServiceRequest.Builder request = plain.toBuilder().setUnknownFields(unknown);
    ResourceSpans.Builder resource = request.getResourceSpansBuilder(0).setUnknownFields(unknown);
    resource.getResourceBuilder().setUnknownFields(unknown)
        .getAttributesBuilder(0).setUnknownFields(unknown).getValueBuilder().setUnknownFields(unknown);
    ScopeSpans.Builder scope = resource.getScopeSpansBuilder(0).setUnknownFields(unknown);
    Span.Builder span = scope.getSpansBuilder(0).setUnknownFields(unknown);
    span.getStatusBuilder().setUnknownFields(unknown);
    span.getAttributesBuilder(0).setUnknownFields(unknown);
    span.getAttributesBuilder(4).getValueBuilder().getArrayValueBuilder().setUnknownFields(unknown);

    Batch batch = assertSameAsMessageConversion(request.build());

    Batch withoutUnknown = SpanConverter.convert(plain.toByteArray());
    assertThat(batch.spans()).extracting(IncomingSpan::record)
        .isEqualTo(withoutUnknown.spans().stream().map(IncomingSpan::record).toList());
  }

  @Test
  void aSpansFingerprintIsTheSha256OfItsSerializedMessage() throws Exception {
    ExportTraceServiceRequest request = variedRequest();

    Batch batch = SpanConverter.convert(request.toByteArray());

    Span first = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(first.toByteArray());
    assertThat(batch.spans().get(0).fingerprint())
        .isEqualTo(HexFormat.of().formatHex(digest, 0, 8)).hasSize(16);
  }

  @Test
  void spansWithUnusableIdsAreRejectedWithTheSameMessagesAndWarningsFollowThem() throws Exception {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < 8; i++) {
      scope.addSpans(span(i, "bad tokens " + i)
          .addAttributes(kv("gen_ai.usage.output_tokens", AnyValue.newBuilder().setIntValue(-i - 1)))
          .addAttributes(kv("gen_ai.usage.input_tokens", AnyValue.newBuilder().setStringValue("x"))));
    }
    scope.addSpans(span(20, "short trace").setTraceId(ByteString.copyFrom(new byte[2])));
    scope.addSpans(span(21, "zero trace").setTraceId(ByteString.copyFrom(new byte[16])));
    scope.addSpans(span(22, "short span").setSpanId(ByteString.copyFrom(new byte[3])));
    scope.addSpans(span(23, "zero span").setSpanId(ByteString.copyFrom(new byte[8])));
    scope.addSpans(span(24, "long parent").setParentSpanId(ByteString.copyFrom(new byte[9])));
    scope.addSpans(span(25, "no ids").clearTraceId().clearSpanId());
    request.addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope));

    Batch batch = assertSameAsMessageConversion(request.build());

    assertThat(batch.rejected()).isEqualTo(6);
    assertThat(batch.spans()).hasSize(8);
    assertThat(batch.problems()).hasSize(SpanConverter.MAX_PROBLEMS);
    assertThat(batch.problems().get(0))
        .isEqualTo("span 0/0/8 ('short trace') rejected: trace_id must be 16 bytes, got 2");
    assertThat(batch.problems().get(6)).isEqualTo("span " + hexSpanId(0) + " accepted but unpriced: "
        + "gen_ai.usage.input_tokens must be an integer, got string 'x'");
  }

  @Test
  void fieldsGivenTwiceAreMergedAsProtobufMergesThem() throws Exception {
    ExportTraceServiceRequest request = variedRequest();
    ResourceSpans resourceSpans = request.getResourceSpans(0);
    Resource more = Resource.newBuilder().addAttributes(kv("service.version", str("2"))).build();
    Span span = resourceSpans.getScopeSpans(0).getSpans(0);
    KeyValue array = kv("gen_ai.request.stop_sequences",
        AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(str("a"))));
    // the value of one attribute, and the array in it, given twice
    byte[] attribute = concat(array.toByteArray(), field(2, AnyValue.newBuilder()
        .setArrayValue(ArrayValue.newBuilder().addValues(str("b"))).build().toByteArray()));
    byte[] spanBytes = concat(span.toByteArray(), field(9, attribute),
        field(15, Status.newBuilder().setMessage("again").build().toByteArray()));
    byte[] scopeSpans = concat(field(2, spanBytes));
    byte[] body = field(1, concat(resourceSpans.toBuilder().clearScopeSpans().build().toByteArray(),
        field(1, more.toByteArray()), field(2, scopeSpans)));

    Batch batch = SpanConverter.convert(body);

    // not canonically encoded: the fingerprint and payload are of the bytes received, the rest is
    // what the messages say
    Batch expected = MessageConversion.convert(ExportTraceServiceRequest.parseFrom(body), true);
    assertThat(batch.spans()).extracting(IncomingSpan::record)
        .usingRecursiveFieldByFieldElementComparator()
        .isEqualTo(expected.spans().stream().map(IncomingSpan::record).toList());
    assertThat(batch.problems()).isEqualTo(expected.problems());
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(spanBytes);
    assertThat(batch.spans().get(0).fingerprint()).isEqualTo(HexFormat.of().formatHex(digest, 0, 8));
    assertThat(batch.spans().get(0).record().resource()).containsEntry("service.version", "2")
        .containsEntry("service.name", "checkout");
    assertThat(batch.spans().get(0).record().attributes())
        .containsEntry("gen_ai.request.stop_sequences", List.of("a", "b"));
    assertThat(batch.spans().get(0).record().error()).isTrue();
  }

  @Test
  void emptyRequestsResourcesAndScopesGiveNoSpans() throws Exception {
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.getDefaultInstance())
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.getDefaultInstance()))
        .build();

    assertThat(assertSameAsMessageConversion(request).spans()).isEmpty();
    assertThat(SpanConverter.convert(new byte[0]).spans()).isEmpty();
  }

  @Test
  void childrenShareTheirParentsIdStringAndKeysAreSharedAcrossRequests() throws Exception {
    Batch first = SpanConverter.convert(OtlpPayloads.trace(1, 2).toByteArray());
    Batch second = SpanConverter.convert(OtlpPayloads.trace(2, 2).toByteArray());

    assertThat(first.spans().get(1).record().parentSpanId())
        .isSameAs(first.spans().get(0).record().spanId());
    assertThat(first.spans().get(2).record().traceId()).isSameAs(first.spans().get(1).record().traceId());
    String key = key(first, "gen_ai.request.model");
    assertThat(key).isSameAs(key(second, "gen_ai.request.model"));
    assertThat(first.spans().get(1).record().attributes().get(key))
        .isSameAs(second.spans().get(1).record().attributes().get(key));
  }

  @Test
  void malformedBytesAreADecodeExceptionSayingWhatIsWrong() throws Exception {
    byte[] whole = variedRequest().toByteArray();
    byte[] badName = field(1, field(2, field(2, concat(field(1, new byte[16]), field(5,
        new byte[] {'o', 'k', (byte) 0xC3})))));

    assertThatThrownBy(() -> SpanConverter.convert(Arrays.copyOf(whole, whole.length - 7)))
        .isInstanceOf(DecodeException.class)
        .hasMessageStartingWith("body is not a valid OTLP protobuf ExportTraceServiceRequest: ")
        .hasMessageContaining("truncated");
    // a string that is not UTF-8 leaves the framing readable: only its span is rejected
    assertThat(SpanConverter.convert(badName).message())
        .isEqualTo("span 0/0/0 ('?') rejected: its name is not valid UTF-8");
    assertThatThrownBy(() -> SpanConverter.convert(new byte[] {0, 1}))
        .isInstanceOf(DecodeException.class).hasMessageContaining("invalid tag (zero)");
    assertThatThrownBy(() -> SpanConverter.convert(new byte[] {10, -1, -1, -1, -1, 15}))
        .isInstanceOf(DecodeException.class).hasMessageContaining("negative size");
    assertThatThrownBy(() -> SpanConverter.convert(new byte[] {(byte) 0x0C}))
        .isInstanceOf(DecodeException.class).hasMessageContaining("end-group tag");
    for (byte[] bad : List.of(Arrays.copyOf(whole, whole.length - 7),
        new byte[] {0, 1}, new byte[] {10, -1, -1, -1, -1, 15})) {
      assertThatThrownBy(() -> ExportTraceServiceRequest.parseFrom(bad))
          .as("protobuf-java refuses it too").isNotNull();
    }
  }

  @Test
  void anIdGivenWithTheWrongWireTypeIsSkippedAsUnknownLikeProtobufDoes() throws Exception {
    byte[] span = concat(new byte[] {8, 1}, span(1, "varint trace id").clearTraceId().build().toByteArray());
    byte[] body = field(1, field(2, field(2, span)));

    Batch batch = assertSameAsMessageConversion(ExportTraceServiceRequest.parseFrom(body), body);

    assertThat(batch.problems())
        .containsExactly("span 0/0/0 ('varint trace id') rejected: trace_id must be 16 bytes, got 0");
  }

  private static Batch assertSameAsMessageConversion(ExportTraceServiceRequest request)
      throws Exception {
    return assertSameAsMessageConversion(request, request.toByteArray());
  }

  private static Batch assertSameAsMessageConversion(ExportTraceServiceRequest request, byte[] body)
      throws Exception {
    Batch batch = null;
    for (boolean payloads : new boolean[] {true, false}) {
      batch = SpanConverter.convert(body, payloads);
      Batch expected = MessageConversion.convert(request, payloads);
      assertThat(batch.spans()).as("spans, payloads " + payloads).usingRecursiveComparison()
          .isEqualTo(expected.spans());
      assertThat(batch.rejected()).isEqualTo(expected.rejected());
      assertThat(batch.problems()).isEqualTo(expected.problems());
    }
    return batch;
  }

  /** Two resources, three scopes, every attribute value type, unread attributes, events, links. */
  private static ExportTraceServiceRequest variedRequest() {
    Span.Builder first = span(1, "chat gpt-4o")
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT).setTraceState("k=v").setFlags(1)
        .addAttributes(kv("gen_ai.request.model", str("gpt-4o")))
        .addAttributes(kv("http.method", str("POST")))
        .addAttributes(kv("gen_ai.usage.input_tokens", AnyValue.newBuilder().setIntValue(1200)))
        .addAttributes(kv("gen_ai.request.temperature", AnyValue.newBuilder().setDoubleValue(0.25)))
        .addAttributes(kv("gen_ai.request.stop_sequences", AnyValue.newBuilder().setArrayValue(
            ArrayValue.newBuilder().addValues(str("END"))
                .addValues(AnyValue.newBuilder().setIntValue(7))
                .addValues(AnyValue.getDefaultInstance())
                .addValues(AnyValue.newBuilder().setArrayValue(ArrayValue.getDefaultInstance()))
                .addValues(AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                    .addValues(AnyValue.newBuilder().setDoubleValue(1.5)))))))
        .addAttributes(kv("agentmeter.shared", AnyValue.newBuilder().setBoolValue(true)))
        .addAttributes(kv("agentmeter.blob",
            AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, 1, -1}))))
        .addAttributes(kv("gen_ai.request.options", AnyValue.newBuilder().setKvlistValue(
            KeyValueList.newBuilder().addValues(kv("k", str("v"))))))
        .addAttributes(kv("gen_ai.unset", AnyValue.newBuilder()))
        .addAttributes(kv("gen_ai.indexed", AnyValue.newBuilder().setStringValueStrindex(3)))
        .addAttributes(kv("gen_ai.usage.output_tokens", AnyValue.newBuilder().setIntValue(-4)))
        .addAttributes(kv("error.type", str("timeout")))
        .addAttributes(kv("gen_ai.usage.output_tokens", AnyValue.newBuilder().setIntValue(40)))
        .addEvents(Span.Event.newBuilder().setName("e").addAttributes(kv("gen_ai.x", str("y"))))
        .addLinks(Span.Link.newBuilder().setTraceId(traceId(9)).setSpanId(spanId(9)));
    Span.Builder child = span(2, "tool ünïcödé ✓").setParentSpanId(spanId(1))
        .addAttributes(kv("llm.token_count.prompt", AnyValue.newBuilder().setDoubleValue(3.5)))
        .addAttributes(kv("openinference.span.kind", str("LLM")));
    Span.Builder grandchild = span(3, "").setParentSpanId(spanId(2))
        .addAttributes(kv("gen_ai.usage.prompt_tokens", AnyValue.newBuilder().setIntValue(2_000_000_000L)));
    Span.Builder otherTrace = span(4, "other").setTraceId(traceId(2))
        .addAttributes(kv("http.request.resend_count", AnyValue.newBuilder().setIntValue(2)));
    Span.Builder rejected = span(5, "bad").setSpanId(ByteString.copyFrom(new byte[4]));
    Resource checkout = Resource.newBuilder()
        .addAttributes(kv("service.name", str("checkout")))
        .addAttributes(kv("host.cores", AnyValue.newBuilder().setIntValue(8)))
        .addAttributes(kv("host.tags", AnyValue.newBuilder().setArrayValue(
            ArrayValue.newBuilder().addValues(str("a")))))
        .addAttributes(kv("nothing", AnyValue.newBuilder()))
        .build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(checkout)
            .setSchemaUrl("https://opentelemetry.io/schemas/1.41.0")
            .addScopeSpans(ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("genai").setVersion("1")
                    .addAttributes(kv("scope.attr", str("x"))))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.40.0")
                .addSpans(first).addSpans(child).addSpans(rejected))
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(grandchild)))
        .addResourceSpans(ResourceSpans.newBuilder()
            .addScopeSpans(ScopeSpans.newBuilder().addSpans(otherTrace)))
        .build();
  }

  private static Span.Builder span(int n, String name) {
    return Span.newBuilder().setTraceId(traceId(1)).setSpanId(spanId(n)).setName(name)
        .setStartTimeUnixNano(1_764_000_000_000_000_000L + n).setEndTimeUnixNano(1_764_000_001_000_000_000L);
  }

  private static ByteString traceId(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x5bf92f3577b34da6L).putLong(n).array());
  }

  private static ByteString spanId(long n) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0x00f067aa0ba90000L + n).array());
  }

  private static String hexSpanId(long n) {
    return HexFormat.of().formatHex(spanId(n).toByteArray());
  }

  private static AnyValue.Builder str(String value) {
    return AnyValue.newBuilder().setStringValue(value);
  }

  private static KeyValue kv(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static String key(Batch batch, String name) {
    return batch.spans().get(1).record().attributes().keySet().stream()
        .filter(name::equals).findFirst().orElseThrow();
  }

  /** A length-delimited field: tag, length, bytes. */
  private static byte[] field(int number, byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, number << 3 | 2);
    varint(out, bytes.length);
    out.writeBytes(bytes);
    return out.toByteArray();
  }

  private static void varint(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write(value & 0x7F | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  static {
    // the test's literals are UTF-8 source
    assertThat("✓".getBytes(StandardCharsets.UTF_8)).hasSize(3);
  }
}
