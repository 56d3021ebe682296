package io.agentmeter.processor.otlp;

import static io.agentmeter.processor.otlp.ProtoReader.FIXED64;
import static io.agentmeter.processor.otlp.ProtoReader.LENGTH_DELIMITED;
import static io.agentmeter.processor.otlp.ProtoReader.VARINT;
import static io.agentmeter.processor.otlp.ProtoReader.tag;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Reads one OTLP {@code AnyValue} straight from its bytes. */
final class AnyValues {

  private static final int ANY_STRING = tag(1, LENGTH_DELIMITED);
  private static final int ANY_BOOL = tag(2, VARINT);
  private static final int ANY_INT = tag(3, VARINT);
  private static final int ANY_DOUBLE = tag(4, FIXED64);
  private static final int ANY_ARRAY = tag(5, LENGTH_DELIMITED);
  private static final int ANY_KVLIST = tag(6, LENGTH_DELIMITED);
  private static final int ANY_BYTES = tag(7, LENGTH_DELIMITED);
  private static final int ANY_STRING_INDEX = tag(8, VARINT);
  private static final int ARRAY_VALUES = tag(1, LENGTH_DELIMITED);

  private AnyValues() {}

  /** The value of one {@code AnyValue} as the engine reads it, or {@code null} when it has none. */
  static Object read(ProtoReader in, int start, int end, int depth) throws InvalidProtocolBufferException {
    if (depth >= ProtoReader.MAX_DEPTH) {
      throw ProtoReader.tooDeep();
    }
    Object value = null;
    List<Object> items = null;
    java.io.ByteArrayOutputStream kvlist = null;
    in.pos = start;
    // one of the value fields; when several are given, the last one counts (an array or kvlist
    // given twice in a row is merged, as protobuf does)
    for (int tag; (tag = in.tag(end)) != 0; ) {
      if (tag == ANY_STRING) {
        int length = in.length(end);
        value = in.string(in.pos, length);
        in.pos += length;
      } else if (tag == ANY_INT) {
        value = in.varint(end);
      } else if (tag == ANY_DOUBLE) {
        value = Double.longBitsToDouble(in.fixed64(end));
      } else if (tag == ANY_BOOL) {
        value = in.varint(end) != 0;
      } else if (tag == ANY_ARRAY) {
        int arrayEnd = in.length(end) + in.pos;
        if (items == null || value != items) {
          items = new ArrayList<>();
        }
        for (int itemTag; (itemTag = in.tag(arrayEnd)) != 0; ) {
          if (itemTag == ARRAY_VALUES) {
            int itemEnd = in.length(arrayEnd) + in.pos;
            Object item = read(in, in.pos, itemEnd, depth + 1);
            if (item != null) {
              items.add(item);
            }
            in.pos = itemEnd;
          } else {
            in.skip(itemTag, arrayEnd);
          }
        }
        value = items;
      } else if (tag == ANY_KVLIST) {
        int length = in.length(end);
        if (kvlist == null || value != kvlist) {
          kvlist = new java.io.ByteArrayOutputStream(length);
        }
        kvlist.write(in.buf, in.pos, length); // appended: a long run of them stays linear
        in.pos += length;
        value = kvlist;
      } else if (tag == ANY_BYTES) {
        int length = in.length(end);
        value = Base64.getEncoder().encodeToString(
            Arrays.copyOfRange(in.buf, in.pos, in.pos + length));
        in.pos += length;
      } else if (tag == ANY_STRING_INDEX) {
        in.varint(end);
        value = null; // a string table index (profiles only): no value to read
      } else {
        in.skip(tag, end);
      }
    }
    if (value != null && value == items) {
      return List.copyOf(items);
    }
    if (value != null && value == kvlist) {
      // rare; its text form as before, which needs the message
      return KeyValueList.parseFrom(kvlist.toByteArray()).toString();
    }
    return value;
  }
}
