package io.agentmeter.processor.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
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
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ForwardPayloadsTest {

  private static final List<KeyValue> COST = List.of(
      kv("agentmeter.cost.status", AnyValue.newBuilder().setStringValue("priced").build()),
      kv("agentmeter.cost.amount", AnyValue.newBuilder().setDoubleValue(0.000021).build()));

  @Test
  void theSpanGetsTheFieldsAndEverythingElseStaysByteForByte() throws Exception {
    byte[] payload = storedPayload(richSpan());
    byte[] fields = fields(COST);

    byte[] out = new ForwardPayloads().forwardable(payload, fields);

    ResourceSpans.Builder builder = ResourceSpans.parseFrom(payload).toBuilder();
    builder.getScopeSpansBuilder(0).getSpansBuilder(0).addAllAttributes(COST);
    assertThat(ResourceSpans.parseFrom(out)).isEqualTo(builder.build());
    // the span's bytes as received, then the fields; only the two length prefixes before it change
    byte[] span = richSpan().toByteArray();
    int at = indexOf(out, span);
    assertThat(at).isPositive();
    assertThat(Arrays.copyOfRange(out, at + span.length, at + span.length + fields.length))
        .isEqualTo(fields);
    // the span and its scope are between 128 and 16,383 bytes long, before and after: their length
    // prefixes stay 2 bytes
    assertThat(span.length + fields.length).isBetween(128, 16_383 - 200);
    assertThat(out.length).isEqualTo(payload.length + fields.length);
    int resource = CodedOutputStream.computeMessageSize(1, resource()); // the first field
    assertThat(Arrays.copyOfRange(out, 0, resource))
        .isEqualTo(Arrays.copyOfRange(payload, 0, resource));
  }

  private static final String USAGE_COST = "gen_ai.usage.cost";
  private static final String ORIGINAL = "agentmeter.cost.original.gen_ai.usage.cost";
  private static final Map<String, String> RENAME = Map.of(USAGE_COST, ORIGINAL);

  @Test
  void aRenamedAttributeKeepsItsValueAndItsPlaceAndTheRestOfTheSpanStaysAsItWas()
      throws Exception {
    // as OpenLIT writes it when it cannot price: 0, between other attributes
    Span.Builder span = richSpan().toBuilder();
    span.addAttributes(1, kv(USAGE_COST, AnyValue.newBuilder().setDoubleValue(0).build()));
    byte[] payload = storedPayload(span.build());
    List<KeyValue> added = List.of(COST.get(0), COST.get(1),
        kv(USAGE_COST, AnyValue.newBuilder().setDoubleValue(0.000021).build()));

    byte[] out = new ForwardPayloads().forwardable(payload, fields(added), RENAME);

    ResourceSpans.Builder expected = ResourceSpans.parseFrom(payload).toBuilder();
    Span.Builder forwarded = expected.getScopeSpansBuilder(0).getSpansBuilder(0);
    forwarded.setAttributes(1, kv(ORIGINAL, AnyValue.newBuilder().setDoubleValue(0).build()));
    forwarded.addAllAttributes(added);
    assertThat(ResourceSpans.parseFrom(out)).isEqualTo(expected.build());
    assertThat(out.length).isEqualTo(
        payload.length + (ORIGINAL.length() - USAGE_COST.length()) + fields(added).length);
  }

  @Test
  void everyAttributeWithTheKeyIsRenamedHoweverItsFieldsAreOrdered() throws Exception {
    // a short span (its length prefixes grow past one byte with the rename), the attribute twice,
    // once written value first, and a key that only begins like it
    ByteArrayOutputStream valueFirst = new ByteArrayOutputStream();
    CodedOutputStream kv = CodedOutputStream.newInstance(valueFirst);
    kv.writeMessage(KeyValue.VALUE_FIELD_NUMBER, AnyValue.newBuilder().setIntValue(3).build());
    kv.writeString(KeyValue.KEY_FIELD_NUMBER, USAGE_COST);
    kv.flush();
    Span span = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(new byte[16])).setSpanId(ByteString.copyFrom(new byte[8]))
        .setName("chat").addAttributes(str(USAGE_COST, "0.5"))
        .addAttributes(str(USAGE_COST + ".total", "x"))
        .setUnknownFields(UnknownFieldSet.newBuilder().addField(Span.ATTRIBUTES_FIELD_NUMBER,
            UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFrom(valueFirst.toByteArray())).build()).build())
        .build();
    byte[] payload = ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)).build().toByteArray();
    assertThat(payload.length).isLessThan(128);

    ResourceSpans out = ResourceSpans.parseFrom(
        new ForwardPayloads().forwardable(payload, fields(COST), RENAME));

    assertThat(out.getScopeSpans(0).getSpans(0).getAttributesList()).containsExactly(
        str(ORIGINAL, "0.5"), str(USAGE_COST + ".total", "x"),
        kv(ORIGINAL, AnyValue.newBuilder().setIntValue(3).build()), COST.get(0), COST.get(1));
  }

  @Test
  void aSpanWithoutTheKeyToRenameOnlyGetsTheFields() throws Exception {
    byte[] payload = storedPayload(richSpan());

    assertThat(new ForwardPayloads().forwardable(payload, fields(COST), RENAME))
        .isEqualTo(new ForwardPayloads().forwardable(payload, fields(COST)));
  }

  @Test
  void withoutFieldsThePayloadItselfGoes() throws Exception {
    byte[] payload = storedPayload(richSpan());
    assertThat(new ForwardPayloads().forwardable(payload, new byte[0])).isSameAs(payload);
  }

  @Test
  void aCheckerChecksAResourceOnceButRefusesWhatIsWrongElsewhereOrInAnotherResource()
      throws Exception {
    ForwardPayloads checker = new ForwardPayloads();
    byte[] good = payload(richSpan());
    assertThat(checker.forwardable(good, new byte[0])).isSameAs(good);
    String marker = "~~";
    Span.Builder span = richSpan().toBuilder();
    span.getStatusBuilder().setMessage(marker);
    byte[] badSpan = replace(payload(span.build()), marker, new byte[] {(byte) 0xC0, (byte) 0x80});
    assertThatThrownBy(() -> checker.forwardable(badSpan, new byte[0]))
        .hasMessageContaining("UTF-8");
    byte[] badResource = replace(good, "checkout", "checkou\u00ff".getBytes(
        java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> ResourceSpans.parseFrom(badResource))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> checker.forwardable(badResource, new byte[0]))
        .hasMessageContaining("UTF-8");
    assertThat(checker.forwardable(good.clone(), new byte[0])).isEqualTo(good);
  }

  @Test
  void aPayloadWithoutASpanIsRefused() {
    byte[] noSpan = ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(str("service.name", "x")))
        .addScopeSpans(ScopeSpans.newBuilder().setSchemaUrl("s")).build().toByteArray();
    assertThatThrownBy(() -> new ForwardPayloads().forwardable(noSpan, new byte[0]))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> new ForwardPayloads().forwardable(noSpan, fields(COST)))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> new ForwardPayloads().forwardable(new byte[0], fields(COST)))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void aSpanInALaterScopeIsFound() throws Exception {
    byte[] payload = ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().setSchemaUrl("empty"))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(richSpan())).build().toByteArray();
    ResourceSpans out = ResourceSpans.parseFrom(new ForwardPayloads().forwardable(payload, fields(COST)));
    assertThat(out.getScopeSpans(1).getSpans(0).getAttributesList()).endsWith(COST.get(0),
        COST.get(1));
  }

  @Test
  void stringsThatAreNotUtf8AnywhereAreRefusedAsProtobufRefusesThem() throws Exception {
    byte[][] samples = {
      {(byte) 0xFF}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF},
      {(byte) 0xC2, (byte) 0x80}, {(byte) 0xDF, (byte) 0xBF}, {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF},
      {(byte) 0xE0, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0x9F, (byte) 0xBF},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF0, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xF4, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF5, (byte) 0x80, (byte) 0x80,
        (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
      {(byte) 0x80}, {'a', (byte) 0xC3}, {(byte) 0xC3, (byte) 0xA9, 'a'},
    };
    for (byte[] sample : samples) {
      // in places the receiver does not read: an event's attribute, the status message, a link
      String marker = "~".repeat(sample.length);
      Span.Builder span = richSpan().toBuilder();
      span.getEventsBuilder(0).addAttributes(str("k", marker));
      assertAgreesWithProtobuf(replace(payload(span.build()), marker, sample));
      span = richSpan().toBuilder();
      span.getStatusBuilder().setMessage(marker);
      assertAgreesWithProtobuf(replace(payload(span.build()), marker, sample));
      span = richSpan().toBuilder();
      span.getLinksBuilder(0).setTraceState(marker);
      assertAgreesWithProtobuf(replace(payload(span.build()), marker, sample));
    }
    // and sequences of ASCII, lead and continuation bytes at random, mostly as many continuation
    // bytes as the lead asks for, from the edges of the ranges
    int[] leads = {0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
      0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF};
    int[] continuations = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0};
    Random random = new Random(8);
    byte[] template = payload(richSpan().toBuilder()
        .setStatus(Status.newBuilder().setMessage("~~~~~~~~")).build());
    int valid = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] sample = new byte[8];
      int j = 0;
      while (j < sample.length) {
        int lead = leads[random.nextInt(leads.length)];
        sample[j++] = (byte) lead;
        int follow = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
        follow = random.nextInt(5) == 0 ? random.nextInt(4) : follow;
        for (; follow > 0 && j < sample.length; follow--) {
          sample[j++] = (byte) continuations[random.nextInt(continuations.length)];
        }
      }
      valid += assertAgreesWithProtobuf(replace(template, "~~~~~~~~", sample)) ? 1 : 0;
    }
    assertThat(valid).isBetween(100, 19_000);
  }

  private static byte[] replace(byte[] payload, String marker, byte[] with) {
    byte[] out = payload.clone();
    int at = indexOf(out, marker.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(at).isNotNegative();
    System.arraycopy(with, 0, out, at, with.length);
    return out;
  }

  @Test
  void aVarintPast64BitsIsRefusedThoughProtobufJavaTakesSome() throws Exception {
    byte[] payload = payload(richSpan()); // holds the int attribute -1: ff x9, 01
    byte[] minusOne = {(byte) 0x18, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01};
    int at = indexOf(payload, minusOne) + minusOne.length - 1;
    ForwardPayloads.check(payload);
    payload[at] = (byte) 0x89; // bit 0 set: protobuf-java's fast path takes it
    ResourceSpans.parseFrom(payload);
    assertThatThrownBy(() -> ForwardPayloads.check(payload))
        .hasMessage(ForwardPayloads.OVERLONG_VARINT);
    payload[at] = (byte) 0x03;
    ResourceSpans.parseFrom(payload);
    assertThatThrownBy(() -> ForwardPayloads.check(payload))
        .hasMessage(ForwardPayloads.OVERLONG_VARINT);
    payload[at] = (byte) 0x80;
    assertThat(assertAgreesWithProtobuf(payload)).isFalse();
  }

  @Test
  void nestingIsRefusedPastProtobufsLimitAndNotBefore() throws Exception {
    int refused = 0;
    for (int levels = 40; levels <= 55; levels++) {
      AnyValue value = AnyValue.newBuilder().setStringValue("deep").build();
      for (int i = 0; i < levels; i++) {
        value = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value))
            .build();
      }
      byte[] payload = payload(richSpan().toBuilder()
          .addAttributes(KeyValue.newBuilder().setKey("deep").setValue(value)).build());
      refused += assertAgreesWithProtobuf(payload) ? 0 : 1;
    }
    assertThat(refused).isBetween(1, 15);
    refused = 0;
    for (int levels = 90; levels <= 100; levels++) {
      UnknownFieldSet group = UnknownFieldSet.newBuilder()
          .addField(7, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
      for (int i = 0; i < levels; i++) {
        group = UnknownFieldSet.newBuilder()
            .addField(300, UnknownFieldSet.Field.newBuilder().addGroup(group).build()).build();
      }
      byte[] payload = payload(richSpan().toBuilder().setUnknownFields(group).build());
      refused += assertAgreesWithProtobuf(payload) ? 0 : 1;
    }
    assertThat(refused).isBetween(1, 10);
  }

  @Test
  void malformedFramingIsRefusedExactlyWhenProtobufRefusesIt() throws Exception {
    // -Dseed and -Dfuzz run other and longer series (a million cases each, three seeds, agreed)
    Random random = new Random(Long.getLong("seed", 20_251_208L));
    List<byte[]> samples = List.of(storedPayload(richSpan()),
        storedPayload(Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}))
            .setSpanId(ByteString.copyFrom(new byte[] {2, 2, 2, 2, 2, 2, 2, 2}))
            .setName("small").build()));
    int refused = 0;
    int kept = 0;
    for (int i = 0; i < Integer.getInteger("fuzz", 40_000); i++) {
      byte[] sample = samples.get(i % samples.size());
      byte[] mutated = mutate(sample, random);
      if (assertAgreesWithProtobuf(mutated)) {
        kept++;
        // and what passes is still parsed with the fields spliced in
        try {
          byte[] out = new ForwardPayloads().forwardable(mutated, fields(COST));
          ResourceSpans.parseFrom(out);
        } catch (InvalidProtocolBufferException noSpan) {
          assertThat(noSpan).hasMessageContaining("no span");
        }
      } else {
        refused++;
      }
    }
    // both outcomes were exercised plenty
    assertThat(refused).isGreaterThan(5_000);
    assertThat(kept).isGreaterThan(5_000);
  }

  /** Asserts the check agrees with protobuf-java on the bytes; whether they parse. */
  private static boolean assertAgreesWithProtobuf(byte[] payload) {
    boolean parses;
    try {
      ResourceSpans.parseFrom(payload);
      parses = true;
    } catch (InvalidProtocolBufferException e) {
      parses = false;
    }
    String refusal = null;
    try {
      ForwardPayloads.check(payload);
    } catch (InvalidProtocolBufferException e) {
      refusal = e.getMessage();
    }
    if (parses && refusal != null && refusal.equals(ForwardPayloads.OVERLONG_VARINT)) {
      return false; // stricter than protobuf-java, as Go's protobuf is
    }
    assertThat(refusal == null).as("check of %s: %s", java.util.HexFormat.of().formatHex(payload),
        refusal).isEqualTo(parses);
    return parses;
  }

  private static byte[] mutate(byte[] sample, Random random) {
    byte[] b = sample.clone();
    switch (random.nextInt(6)) {
      case 0 -> { // a byte set to anything
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        return b;
      }
      case 1 -> { // a few bytes, to values that matter to the wire format and to UTF-8
        int[] interesting = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0A, 0x0B, 0x0C,
          0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF};
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          b[random.nextInt(b.length)] = (byte) interesting[random.nextInt(interesting.length)];
        }
        return b;
      }
      case 2 -> { // cut short
        return Arrays.copyOf(b, random.nextInt(b.length));
      }
      case 3 -> { // a byte inserted
        int at = random.nextInt(b.length + 1);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        out[at] = (byte) random.nextInt(256);
        System.arraycopy(b, at, out, at + 1, b.length - at);
        return out;
      }
      case 4 -> { // a range deleted
        int from = random.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + random.nextInt(4));
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        return out;
      }
      default -> { // a bit flipped in a length or tag region, more often near the start
        int at = random.nextInt(Math.min(b.length, 1 + random.nextInt(b.length)));
        b[at] ^= (byte) (1 << random.nextInt(8));
        return b;
      }
    }
  }

  /** A span with every part the receiver skips: events, links, status, trace state, unknowns. */
  static Span richSpan() {
    UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(300).addFixed32(7)
            .addFixed64(9).addLengthDelimited(ByteString.copyFromUtf8("opaque"))
            .addGroup(UnknownFieldSet.newBuilder().addField(1, UnknownFieldSet.Field.newBuilder()
                .addVarint(1).build()).build()).build())
        .build();
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
            15, 16}))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setParentSpanId(ByteString.copyFrom(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}))
        .setTraceState("vendor=é").setFlags(1).setName("chat gpt-4o-mini")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT).setStartTimeUnixNano(1_764_000_000_000_000_000L)
        .setEndTimeUnixNano(1_764_000_000_900_000_000L)
        .addAttributes(str("gen_ai.request.model", "gpt-4o-mini"))
        .addAttributes(KeyValue.newBuilder().setKey("nested").setValue(AnyValue.newBuilder()
            .setKvlistValue(KeyValueList.newBuilder().addValues(str("a", "b"))
                .addValues(KeyValue.newBuilder().setKey("arr").setValue(AnyValue.newBuilder()
                    .setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setIntValue(-1))
                        .addValues(AnyValue.newBuilder().setBoolValue(true))
                        .addValues(AnyValue.newBuilder().setDoubleValue(1.5))
                        .addValues(AnyValue.newBuilder()
                            .setBytesValue(ByteString.copyFrom(new byte[] {(byte) 0xFF})))))))))
        .setDroppedAttributesCount(2)
        .addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(5)
            .addAttributes(str("exception.message", "boom ✓")))
        .addLinks(Span.Link.newBuilder().setTraceId(ByteString.copyFrom(new byte[16]))
            .setSpanId(ByteString.copyFrom(new byte[8])).setTraceState("t=1")
            .addAttributes(str("l", "v")))
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)
            .setMessage("rate limited"))
        .setUnknownFields(unknown)
        .build();
  }

  /** The payload the receiver stores for the span, from a request holding it. */
  static byte[] storedPayload(Span span) throws Exception {
    ExportTraceServiceRequest request =
        ExportTraceServiceRequest.newBuilder().addResourceSpans(resourceSpans(span)).build();
    byte[] stored = SpanConverter.convert(request.toByteArray()).spans().get(0).payload();
    assertThat(stored).isEqualTo(payload(span));
    return stored;
  }

  /** The span in a {@code ResourceSpans}, serialized by protobuf-java (however deep). */
  static byte[] payload(Span span) {
    return resourceSpans(span).toByteArray();
  }

  private static ResourceSpans resourceSpans(Span span) {
    return ResourceSpans.newBuilder()
        .setResource(resource())
        .addScopeSpans(ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("scope").setVersion("1.0")
                .addAttributes(str("s", "v")))
            .addSpans(span).setSchemaUrl("https://opentelemetry.io/schemas/1.30.0"))
        .setSchemaUrl("https://opentelemetry.io/schemas/1.30.0").build();
  }

  private static Resource resource() {
    return Resource.newBuilder().addAttributes(str("service.name", "checkout"))
        .setDroppedAttributesCount(1).build();
  }

  static byte[] fields(List<KeyValue> attributes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    for (KeyValue kv : attributes) {
      out.writeMessage(Span.ATTRIBUTES_FIELD_NUMBER, kv);
    }
    out.flush();
    return bytes.toByteArray();
  }

  private static KeyValue str(String key, String value) {
    return kv(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static int indexOf(byte[] bytes, byte[] pattern) {
    outer:
    for (int i = 0; i <= bytes.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (bytes[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
