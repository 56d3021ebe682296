package io.agentmeter.processor.otlp;

import static io.agentmeter.processor.otlp.ProtoReader.END_GROUP;
import static io.agentmeter.processor.otlp.ProtoReader.FIXED32;
import static io.agentmeter.processor.otlp.ProtoReader.FIXED64;
import static io.agentmeter.processor.otlp.ProtoReader.LENGTH_DELIMITED;
import static io.agentmeter.processor.otlp.ProtoReader.MAX_DEPTH;
import static io.agentmeter.processor.otlp.ProtoReader.START_GROUP;
import static io.agentmeter.processor.otlp.ProtoReader.VARINT;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Stored span payloads (see {@link SpanConverter#convert}) made ready to forward, from their bytes
 * and without building messages: checked to be what a backend's protobuf parser accepts, and with
 * fields added to their span. What is not added stays byte for byte as it was received, unknown
 * fields included.
 *
 * <p>The check is that of protobuf-java's {@code ResourceSpans.parseFrom}, taken from the message
 * descriptors of the OTLP classes on the class path: framing (tags, lengths, varints, groups),
 * UTF-8 of every string field however deep (attribute values, events, links, the status message,
 * which the receiver does not read), and the nesting limit. A payload that passes is parsed by a
 * backend; one that does not would make it refuse the whole request it is sent in.
 */
public final class ForwardPayloads {

  private static final byte[] NO_BYTES = new byte[0];
  /** The refusal of a varint past 64 bits. */
  static final String OVERLONG_VARINT = "a varint runs past 64 bits";
  private static final int RESOURCE_SPANS_SCOPE_SPANS =
      ProtoReader.tag(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, LENGTH_DELIMITED);
  private static final int SCOPE_SPANS_SPANS = ProtoReader.tag(2, LENGTH_DELIMITED);
  private static final int SPAN_ATTRIBUTES = ProtoReader.tag(9, LENGTH_DELIMITED);
  private static final int KEY_VALUE_KEY = ProtoReader.tag(1, LENGTH_DELIMITED);
  private static final Shape RESOURCE_SPANS = Shape.of(ResourceSpans.getDescriptor());

  /**
   * Checked resources and scopes, by slot ({@link Shape#memo}): the spans of one export request
   * share theirs, so each is checked once rather than once per span.
   */
  private final byte[][] memoBytes = new byte[2][];
  private final int[] memoFrom = new int[2];
  private final int[] memoTo = new int[2];

  /**
   * A checker for many payloads, one after the other: it remembers the last resource and scope it
   * found well-formed and does not check the same bytes again. Not for concurrent use.
   */
  public ForwardPayloads() {}

  /**
   * The payload with {@code spanFields} appended to its span, after checking that a backend
   * parses it.
   *
   * @param payload a serialized {@code ResourceSpans} holding one span
   * @param spanFields serialized fields of a {@code Span} (attributes, say) to add to it; when
   *     empty, {@code payload} itself is returned
   * @throws InvalidProtocolBufferException when protobuf-java would not parse the payload, or it
   *     holds no span
   */
  public byte[] forwardable(byte[] payload, byte[] spanFields)
      throws InvalidProtocolBufferException {
    return forwardable(payload, spanFields, Map.of());
  }

  /**
   * The payload with the span's attributes named in {@code renamed} under their new keys (their
   * values and place kept, byte for byte) and {@code spanFields} appended to the span, after
   * checking that a backend parses it.
   *
   * @param renamed span attribute keys to rename, each to its new key; a key the span does not
   *     have is left alone
   * @see #forwardable(byte[], byte[])
   */
  public byte[] forwardable(byte[] payload, byte[] spanFields, Map<String, String> renamed)
      throws InvalidProtocolBufferException {
    new Check(payload, this).message(RESOURCE_SPANS, payload.length, 0, -1);
    if (spanFields.length == 0 && renamed.isEmpty()) {
      if (!hasSpan(payload)) {
        throw noSpan();
      }
      return payload;
    }
    return withSpanFields(payload, spanFields, renamed);
  }

  /**
   * Throws when protobuf-java's {@code ResourceSpans.parseFrom} would refuse the bytes (or a Go
   * backend would: see {@link #OVERLONG_VARINT}), and only then.
   */
  public static void check(byte[] payload) throws InvalidProtocolBufferException {
    new Check(payload, null).message(RESOURCE_SPANS, payload.length, 0, -1);
  }

  private boolean checkedBefore(int slot, byte[] buf, int from, int to) {
    byte[] memo = memoBytes[slot];
    return memo != null
        && Arrays.equals(memo, memoFrom[slot], memoTo[slot], buf, from, to);
  }

  private void remember(int slot, byte[] buf, int from, int to) {
    memoBytes[slot] = buf;
    memoFrom[slot] = from;
    memoTo[slot] = to;
  }

  private static boolean hasSpan(byte[] payload) throws InvalidProtocolBufferException {
    ProtoReader in = new ProtoReader(payload);
    for (int tag; (tag = in.tag(payload.length)) != 0; ) {
      if (tag == RESOURCE_SPANS_SCOPE_SPANS) {
        int end = in.length(payload.length) + in.pos;
        for (int inner; (inner = in.tag(end)) != 0; ) {
          if (inner == SCOPE_SPANS_SPANS) {
            return true;
          }
          in.skip(inner, end);
        }
      } else {
        in.skip(tag, payload.length);
      }
    }
    return false;
  }

  /**
   * The first span of the first scope, with its attributes renamed and the fields appended; the
   * rest copied as it is.
   */
  private static byte[] withSpanFields(byte[] payload, byte[] fields, Map<String, String> renamed)
      throws InvalidProtocolBufferException {
    ProtoReader in = new ProtoReader(payload);
    int end = payload.length;
    for (int tag; ; ) {
      if ((tag = in.tag(end)) == 0) {
        throw noSpan();
      }
      if (tag != RESOURCE_SPANS_SCOPE_SPANS) {
        in.skip(tag, end);
        continue;
      }
      int scopeLengthAt = in.pos;
      int scopeLength = in.length(end);
      int scopeAt = in.pos;
      int scopeEnd = scopeAt + scopeLength;
      for (int inner; ; ) {
        if ((inner = in.tag(scopeEnd)) == 0) {
          break; // a scope without spans: the span is in a later one
        }
        if (inner != SCOPE_SPANS_SPANS) {
          in.skip(inner, scopeEnd);
          continue;
        }
        int spanLengthAt = in.pos;
        int spanLength = in.length(scopeEnd);
        int spanAt = in.pos;
        int spanEnd = spanAt + spanLength;
        byte[] body = payload;
        int bodyAt = spanAt;
        int bodyEnd = spanEnd;
        byte[] renamedBody = renamed.isEmpty() ? null
            : renamedAttributes(payload, spanAt, spanEnd, renamed);
        if (renamedBody != null) {
          body = renamedBody;
          bodyAt = 0;
          bodyEnd = renamedBody.length;
        }
        int newSpanLength = bodyEnd - bodyAt + fields.length;
        int newScopeLength = scopeLength - spanLength + newSpanLength
            + CodedOutputStream.computeUInt32SizeNoTag(newSpanLength) - (spanAt - spanLengthAt);
        byte[] out = new byte[scopeLengthAt
            + CodedOutputStream.computeUInt32SizeNoTag(newScopeLength) + newScopeLength
            + (end - scopeEnd)];
        int at = copy(payload, 0, scopeLengthAt, out, 0);
        at = varint(newScopeLength, out, at);
        at = copy(payload, scopeAt, spanLengthAt, out, at);
        at = varint(newSpanLength, out, at);
        at = copy(body, bodyAt, bodyEnd, out, at);
        at = copy(fields, 0, fields.length, out, at);
        at = copy(payload, spanEnd, end, out, at);
        if (at != out.length) {
          throw new IllegalStateException("spliced " + at + " bytes into " + out.length);
        }
        return out;
      }
    }
  }

  /**
   * The span's fields in {@code [from, to)} with each attribute whose key is in {@code renamed}
   * written under its new key: the key field first, then the attribute's other fields as they
   * were. {@code null} when the span has none of the keys.
   */
  private static byte @Nullable [] renamedAttributes(byte[] payload, int from, int to,
      Map<String, String> renamed) throws InvalidProtocolBufferException {
    ProtoReader in = new ProtoReader(payload);
    in.pos = from;
    ByteArrayOutputStream out = null;
    int copiedTo = from;
    for (int tag; ; ) {
      int fieldAt = in.pos;
      if ((tag = in.tag(to)) == 0) {
        break;
      }
      if (tag != SPAN_ATTRIBUTES) {
        in.skip(tag, to);
        continue;
      }
      int keyValueEnd = in.length(to) + in.pos;
      int keyValueAt = in.pos;
      String newKey = null;
      for (int inner; (inner = in.tag(keyValueEnd)) != 0; ) {
        if (inner == KEY_VALUE_KEY) {
          int length = in.length(keyValueEnd);
          // the last key field is the key, as protobuf reads a repeated singular field
          newKey = renamed.get(new String(payload, in.pos, length, StandardCharsets.UTF_8));
          in.pos += length;
        } else {
          in.skip(inner, keyValueEnd);
        }
      }
      if (newKey == null) {
        continue;
      }
      if (out == null) {
        out = new ByteArrayOutputStream(to - from + 64);
      }
      out.write(payload, copiedTo, fieldAt - copiedTo);
      ByteArrayOutputStream keyValue = new ByteArrayOutputStream();
      byte[] key = newKey.getBytes(StandardCharsets.UTF_8);
      keyValue.write(KEY_VALUE_KEY);
      writeVarint(key.length, keyValue);
      keyValue.write(key, 0, key.length);
      in.pos = keyValueAt;
      for (int inner; ; ) {
        int innerAt = in.pos;
        if ((inner = in.tag(keyValueEnd)) == 0) {
          break;
        }
        if (inner == KEY_VALUE_KEY) {
          int length = in.length(keyValueEnd); // before pos is read: length() moves it
          in.pos += length;
        } else {
          in.skip(inner, keyValueEnd);
          keyValue.write(payload, innerAt, in.pos - innerAt);
        }
      }
      out.write(SPAN_ATTRIBUTES);
      writeVarint(keyValue.size(), out);
      out.writeBytes(keyValue.toByteArray());
      copiedTo = keyValueEnd;
    }
    if (out == null) {
      return null;
    }
    out.write(payload, copiedTo, to - copiedTo);
    return out.toByteArray();
  }

  private static void writeVarint(int value, ByteArrayOutputStream out) {
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  private static int copy(byte[] from, int start, int end, byte[] to, int at) {
    System.arraycopy(from, start, to, at, end - start);
    return at + end - start;
  }

  private static int varint(int value, byte[] out, int at) {
    while ((value & ~0x7F) != 0) {
      out[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[at++] = (byte) value;
    return at;
  }

  private static InvalidProtocolBufferException noSpan() {
    return new InvalidProtocolBufferException("a stored payload holds no span");
  }

  /** How protobuf-java reads the fields of one message type, by field number. */
  private static final class Shape {
    static final byte UNKNOWN = 0;
    static final byte VARINT_FIELD = 1;
    static final byte FIXED64_FIELD = 2;
    static final byte FIXED32_FIELD = 3;
    static final byte BYTES_FIELD = 4;
    static final byte UTF8_FIELD = 5;
    static final byte MESSAGE_FIELD = 6;
    static final byte GROUP_FIELD = 7;
    static final Shape NONE = new Shape();
    /** Field numbers past this are read as unknown: no OTLP message comes near it. */
    private static final int MAX_FIELD = 4_096;

    /** By field number: the tag protobuf-java reads the field with, or 0 for none. */
    int[] tags = new int[0];
    /** By field number: how the field is read. */
    byte[] kinds = NO_BYTES;
    /** By field number: whether it is a repeated number, which may also come packed. */
    boolean[] packable = new boolean[0];
    /** By field number: the slot a message checked once per request is remembered in, or -1. */
    int[] memo = new int[0];
    Shape[] messages = new Shape[0];

    static Shape of(Descriptor descriptor) {
      return of(descriptor, new HashMap<>());
    }

    private static Shape of(Descriptor descriptor, Map<Descriptor, Shape> made) {
      Shape shape = made.get(descriptor);
      if (shape != null) {
        return shape;
      }
      shape = new Shape();
      made.put(descriptor, shape); // first: message types refer to each other (AnyValue)
      int max = 0;
      for (FieldDescriptor field : descriptor.getFields()) {
        max = Math.max(max, field.getNumber());
      }
      if (max > MAX_FIELD) {
        throw new IllegalStateException(descriptor.getFullName() + " has field number " + max);
      }
      shape.tags = new int[max + 1];
      shape.kinds = new byte[max + 1];
      shape.packable = new boolean[max + 1];
      shape.messages = new Shape[max + 1];
      shape.memo = new int[max + 1];
      Arrays.fill(shape.memo, -1);
      if (descriptor.equals(ResourceSpans.getDescriptor())) {
        shape.memo[ResourceSpans.RESOURCE_FIELD_NUMBER] = 0;
      } else if (descriptor.equals(ScopeSpans.getDescriptor())) {
        shape.memo[ScopeSpans.SCOPE_FIELD_NUMBER] = 1;
      }
      for (FieldDescriptor field : descriptor.getFields()) {
        int n = field.getNumber();
        byte kind = switch (field.getType()) {
          case DOUBLE, FIXED64, SFIXED64 -> FIXED64_FIELD;
          case FLOAT, FIXED32, SFIXED32 -> FIXED32_FIELD;
          case INT32, INT64, UINT32, UINT64, SINT32, SINT64, BOOL, ENUM -> VARINT_FIELD;
          case STRING -> field.needsUtf8Check() ? UTF8_FIELD : BYTES_FIELD;
          case BYTES -> BYTES_FIELD;
          case MESSAGE -> MESSAGE_FIELD;
          case GROUP -> GROUP_FIELD;
        };
        int wire = switch (kind) {
          case VARINT_FIELD -> VARINT;
          case FIXED64_FIELD -> FIXED64;
          case FIXED32_FIELD -> FIXED32;
          case GROUP_FIELD -> START_GROUP;
          default -> LENGTH_DELIMITED;
        };
        if (kind == MESSAGE_FIELD || kind == GROUP_FIELD) {
          shape.messages[n] = of(field.getMessageType(), made);
        }
        shape.tags[n] = ProtoReader.tag(n, wire);
        shape.kinds[n] = kind;
        shape.packable[n] = field.isRepeated() && wire != LENGTH_DELIMITED && wire != START_GROUP;
      }
      return shape;
    }
  }

  /** One pass over a payload, failing as protobuf-java's parser fails. */
  private static final class Check {
    private final byte[] buf;
    private final @Nullable ForwardPayloads memo;
    private int pos;

    Check(byte[] payload, @Nullable ForwardPayloads memo) {
      this.buf = payload;
      this.memo = memo;
    }

    /**
     * A varint of up to 64 bits. Stricter than protobuf-java in one case: a tenth byte over 1
     * (bits past the 64th), which protobuf-java takes in some places (where 10 bytes are left
     * before the end of the message) but Go's protobuf, that of the Collector, Jaeger and Tempo,
     * never does.
     */
    private long varint(int end) throws InvalidProtocolBufferException {
      long value = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        if (pos >= end) {
          throw truncated();
        }
        byte b = buf[pos++];
        value |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return value;
        }
      }
      if (pos >= end) {
        throw truncated();
      }
      byte tenth = buf[pos++];
      if ((tenth & 0xFF) > 1) {
        throw new InvalidProtocolBufferException(OVERLONG_VARINT);
      }
      return value | (long) tenth << 63;
    }

    /** The next tag before {@code end}, or 0 at it. */
    private int tag(int end) throws InvalidProtocolBufferException {
      if (pos >= end) {
        return 0;
      }
      byte b = buf[pos];
      int tag;
      if (b > 0) { // one byte, the usual
        pos++;
        tag = b;
      } else {
        tag = (int) varint(end);
      }
      if (tag >>> 3 == 0) {
        throw new InvalidProtocolBufferException("Protocol message contained an invalid tag (zero).");
      }
      return tag;
    }

    private int length(int end) throws InvalidProtocolBufferException {
      int length;
      if (pos < end && buf[pos] >= 0) {
        length = buf[pos++];
      } else {
        length = (int) varint(end);
        if (length < 0) {
          throw new InvalidProtocolBufferException("CodedInputStream encountered an embedded"
              + " string or message which claimed to have negative size.");
        }
      }
      if (length > end - pos) {
        throw truncated();
      }
      return length;
    }

    /**
     * Reads fields until {@code end}, or, in a group ({@code group} its field number, else -1),
     * until its end-group tag. {@code depth} counts the messages and groups it is nested in.
     */
    void message(Shape shape, int end, int depth, int group)
        throws InvalidProtocolBufferException {
      int[] tags = shape.tags;
      for (int tag; (tag = tag(end)) != 0; ) {
        int field = tag >>> 3;
        if (field < tags.length && tags[field] == tag) {
          known(shape, field, end, depth);
        } else if ((tag & 7) == END_GROUP) {
          if (field == group) {
            return;
          }
          throw endGroupMismatch();
        } else if (field < tags.length && shape.packable[field]
            && (tag & 7) == LENGTH_DELIMITED) {
          packed(shape.kinds[field], end);
        } else {
          unknown(tag, end, depth);
        }
      }
      if (group != -1) {
        throw endGroupMismatch(); // the input ended inside the group
      }
    }

    private void known(Shape shape, int field, int end, int depth)
        throws InvalidProtocolBufferException {
      switch (shape.kinds[field]) {
        case Shape.UTF8_FIELD -> {
          int length = length(end);
          if (!Utf8Check.valid(buf, pos, length)) {
            throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
          }
          pos += length;
        }
        case Shape.MESSAGE_FIELD -> {
          int length = length(end);
          int from = pos;
          int slot = shape.memo[field];
          if (slot >= 0 && memo != null && memo.checkedBefore(slot, buf, from, from + length)) {
            pos += length;
            return;
          }
          if (depth >= MAX_DEPTH) {
            throw ProtoReader.tooDeep();
          }
          message(shape.messages[field], from + length, depth + 1, -1);
          if (slot >= 0 && memo != null) {
            memo.remember(slot, buf, from, from + length);
          }
        }
        case Shape.BYTES_FIELD -> {
          int length = length(end); // before pos is read: length() moves it past the length
          pos += length;
        }
        case Shape.VARINT_FIELD -> varint(end);
        case Shape.FIXED64_FIELD -> advance(8, end);
        case Shape.FIXED32_FIELD -> advance(4, end);
        case Shape.GROUP_FIELD -> {
          if (depth >= MAX_DEPTH) {
            throw ProtoReader.tooDeep();
          }
          message(shape.messages[field], end, depth + 1, field);
        }
        default -> throw new IllegalStateException("field kind " + shape.kinds[field]);
      }
    }

    private void packed(int kind, int end) throws InvalidProtocolBufferException {
      int length = length(end);
      int packedEnd = pos + length;
      while (pos < packedEnd) {
        switch (kind) {
          case Shape.VARINT_FIELD -> varint(packedEnd);
          case Shape.FIXED64_FIELD -> advance(8, packedEnd);
          case Shape.FIXED32_FIELD -> advance(4, packedEnd);
          default -> throw new IllegalStateException("field kind " + kind);
        }
      }
    }

    /** As protobuf-java keeps a field it does not know, in its unknown field set. */
    private void unknown(int tag, int end, int depth) throws InvalidProtocolBufferException {
      switch (tag & 7) {
        case VARINT -> varint(end);
        case FIXED64 -> advance(8, end);
        case LENGTH_DELIMITED -> {
          int length = length(end); // before pos is read: length() moves it past the length
          pos += length;
        }
        case START_GROUP -> {
          if (depth >= MAX_DEPTH) {
            throw ProtoReader.tooDeep();
          }
          message(Shape.NONE, end, depth + 1, tag >>> 3);
        }
        case FIXED32 -> advance(4, end);
        default -> throw new InvalidProtocolBufferException(
            "Protocol message tag had invalid wire type.");
      }
    }

    private void advance(int bytes, int end) throws InvalidProtocolBufferException {
      if (end - pos < bytes) {
        throw truncated();
      }
      pos += bytes;
    }

    private static InvalidProtocolBufferException truncated() {
      return new InvalidProtocolBufferException("While parsing a protocol message, the input"
          + " ended unexpectedly in the middle of a field.");
    }

    private static InvalidProtocolBufferException endGroupMismatch() {
      return new InvalidProtocolBufferException(
          "Protocol message end-group tag did not match expected tag.");
    }
  }
}
