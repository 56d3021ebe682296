package io.agentmeter.processor.forward;

import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A span handed to the forwarder: its stored payload as received, and the attributes to add to
 * it (written into the payload on a sender, not on the thread that hands the span over).
 *
 * @param payload a serialized {@code ResourceSpans} holding the span (see
 *     {@link io.agentmeter.processor.model.IncomingSpan#payload})
 * @param attributes attributes to append to the span, in order: values are {@code String},
 *     {@code Double}, {@code Long}, {@code Boolean} or a {@code List} of them; anything else is
 *     written as its string
 */
record OutgoingSpan(String traceId, String spanId, byte[] payload, Map<String, Object> attributes) {

  private static final byte[] NO_FIELDS = new byte[0];

  /**
   * The most the span takes in an export request: its bytes, its attributes at their longest,
   * and the length prefixes that grow when they are added, with the {@code resource_spans} tag.
   */
  long maxRequestBytes() {
    long size = payload.length + 16L;
    for (Map.Entry<String, Object> a : attributes.entrySet()) {
      size += 12 + utf8Length(a.getKey()) + 6 + maxValueBytes(a.getValue());
    }
    return size;
  }

  /** The attributes as serialized {@code Span.attributes} fields, to append to the span. */
  byte[] attributeFields() {
    if (attributes.isEmpty()) {
      return NO_FIELDS;
    }
    List<KeyValue> values = new ArrayList<>(attributes.size());
    int size = 0;
    for (Map.Entry<String, Object> a : attributes.entrySet()) {
      KeyValue value = KeyValue.newBuilder().setKey(a.getKey()).setValue(anyValue(a.getValue()))
          .build();
      values.add(value);
      size += CodedOutputStream.computeMessageSize(Span.ATTRIBUTES_FIELD_NUMBER, value);
    }
    byte[] fields = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(fields);
    try {
      for (KeyValue value : values) {
        out.writeMessage(Span.ATTRIBUTES_FIELD_NUMBER, value);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an exactly sized array cannot fail", e);
    }
    return fields;
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
      for (Object item : list) {
        array.addValues(anyValue(item));
      }
      return AnyValue.newBuilder().setArrayValue(array).build();
    }
    return AnyValue.newBuilder().setStringValue(String.valueOf(value)).build();
  }

  /** An {@code AnyValue}'s bytes at the most, with its tag and length. */
  private static long maxValueBytes(Object value) {
    if (value instanceof Double || value instanceof Long || value instanceof Boolean) {
      return 11;
    }
    if (value instanceof List<?> list) {
      long size = 12;
      for (Object item : list) {
        size += 6 + maxValueBytes(item);
      }
      return size;
    }
    return 6 + utf8Length(String.valueOf(value));
  }

  private static long utf8Length(String s) {
    long length = s.length();
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        length += 2; // at most 3 bytes a char (a surrogate pair: 4 for 2)
      }
    }
    return length;
  }
}
