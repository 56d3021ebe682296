package io.agentmeter.processor.otlp;

import static io.agentmeter.processor.otlp.ProtoReader.END_GROUP;
import static io.agentmeter.processor.otlp.ProtoReader.FIXED32;
import static io.agentmeter.processor.otlp.ProtoReader.FIXED64;
import static io.agentmeter.processor.otlp.ProtoReader.LENGTH_DELIMITED;
import static io.agentmeter.processor.otlp.ProtoReader.MAX_DEPTH;
import static io.agentmeter.processor.otlp.ProtoReader.START_GROUP;
import static io.agentmeter.processor.otlp.ProtoReader.VARINT;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The check of {@link ForwardPayloads}: a payload read from its bytes as protobuf-java's parser
 * reads it, by the message descriptors of the OTLP classes ({@link Shape}), failing where it
 * fails ({@link Check}).
 */
final class PayloadCheck {

  private static final byte[] NO_BYTES = new byte[0];

  private PayloadCheck() {}

  /** How protobuf-java reads the fields of one message type, by field number. */
  static final class Shape {
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
  static final class Check {
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
        throw new InvalidProtocolBufferException(ForwardPayloads.OVERLONG_VARINT);
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
