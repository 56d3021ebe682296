package io.agentmeter.processor.forward;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
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
 * @param renamed attributes of the span to rename, each key to its new key (their values stay as
 *     received), before the attributes are appended
 */
record OutgoingSpan(String traceId, String spanId, byte[] payload, Map<String, Object> attributes,
    Map<String, String> renamed) {

  private static final byte[] NO_FIELDS = new byte[0];

  /** A span with attributes to append and none to rename. */
  OutgoingSpan(String traceId, String spanId, byte[] payload, Map<String, Object> attributes) {
    this(traceId, spanId, payload, attributes, Map.of());
  }

  /**
   * The most the span takes in an export request: its bytes, its attributes at their longest,
   * and the length prefixes that grow when they are added, with the {@code resource_spans} tag.
   */
  long maxRequestBytes() {
    long size = payload.length + 16L;
    for (Map.Entry<String, Object> a : attributes.entrySet()) {
      size += 12 + utf8Length(a.getKey()) + 6 + maxValueBytes(a.getValue());
    }
    for (Map.Entry<String, String> r : renamed.entrySet()) {
      // each attribute with the key (as many as the payload can hold) grows by the longer key
      // and by its two length prefixes
      long times = payload.length / (2 + r.getKey().length()) + 1;
      size += times * (Math.max(0, utf8Length(r.getValue()) - r.getKey().length()) + 10);
    }
    return size;
  }

  /**
   * The attributes as serialized {@code Span.attributes} fields, to append to the span: the bytes
   * protobuf-java writes for the same {@code KeyValue}s, written without building them.
   */
  byte[] attributeFields() {
    if (attributes.isEmpty()) {
      return NO_FIELDS;
    }
    int size = 0;
    for (Map.Entry<String, Object> a : attributes.entrySet()) {
      int keyValue = keyValueSize(a.getKey(), a.getValue());
      size += 1 + CodedOutputStream.computeUInt32SizeNoTag(keyValue) + keyValue;
    }
    byte[] fields = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(fields);
    try {
      for (Map.Entry<String, Object> a : attributes.entrySet()) {
        out.writeTag(Span.ATTRIBUTES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(keyValueSize(a.getKey(), a.getValue()));
        if (!a.getKey().isEmpty()) {
          out.writeString(KeyValue.KEY_FIELD_NUMBER, a.getKey());
        }
        out.writeTag(KeyValue.VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(anyValueSize(a.getValue()));
        writeAnyValue(out, a.getValue());
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an exactly sized array cannot fail", e);
    }
    return fields;
  }

  private static int keyValueSize(String key, Object value) {
    int anyValue = anyValueSize(value);
    return (key.isEmpty() ? 0 : CodedOutputStream.computeStringSize(KeyValue.KEY_FIELD_NUMBER, key))
        + 1 + CodedOutputStream.computeUInt32SizeNoTag(anyValue) + anyValue;
  }

  /** The size of an {@code AnyValue} holding the value (a oneof: written even when 0 or empty). */
  private static int anyValueSize(Object value) {
    if (value instanceof Double) {
      return 1 + 8;
    }
    if (value instanceof Long l) {
      return 1 + CodedOutputStream.computeInt64SizeNoTag(l);
    }
    if (value instanceof Boolean) {
      return 1 + 1;
    }
    if (value instanceof List<?> list) {
      int array = arrayValueSize(list);
      return 1 + CodedOutputStream.computeUInt32SizeNoTag(array) + array;
    }
    return 1 + CodedOutputStream.computeStringSizeNoTag(String.valueOf(value));
  }

  private static int arrayValueSize(List<?> list) {
    int size = 0;
    for (Object item : list) {
      int value = anyValueSize(item);
      size += 1 + CodedOutputStream.computeUInt32SizeNoTag(value) + value;
    }
    return size;
  }

  private static void writeAnyValue(CodedOutputStream out, Object value) throws IOException {
    if (value instanceof Double d) {
      out.writeDouble(AnyValue.DOUBLE_VALUE_FIELD_NUMBER, d);
    } else if (value instanceof Long l) {
      out.writeInt64(AnyValue.INT_VALUE_FIELD_NUMBER, l);
    } else if (value instanceof Boolean b) {
      out.writeBool(AnyValue.BOOL_VALUE_FIELD_NUMBER, b);
    } else if (value instanceof List<?> list) {
      out.writeTag(AnyValue.ARRAY_VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(arrayValueSize(list));
      for (Object item : list) {
        out.writeTag(ArrayValue.VALUES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(anyValueSize(item));
        writeAnyValue(out, item);
      }
    } else {
      out.writeString(AnyValue.STRING_VALUE_FIELD_NUMBER, String.valueOf(value));
    }
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
