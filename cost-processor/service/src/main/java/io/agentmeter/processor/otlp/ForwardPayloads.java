package io.agentmeter.processor.otlp;

import static io.agentmeter.processor.otlp.ProtoReader.LENGTH_DELIMITED;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
  private static final PayloadCheck.Shape RESOURCE_SPANS = PayloadCheck.Shape.of(ResourceSpans.getDescriptor());

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
    new PayloadCheck.Check(payload, this).message(RESOURCE_SPANS, payload.length, 0, -1);
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
    new PayloadCheck.Check(payload, null).message(RESOURCE_SPANS, payload.length, 0, -1);
  }

  boolean checkedBefore(int slot, byte[] buf, int from, int to) {
    byte[] memo = memoBytes[slot];
    return memo != null
        && Arrays.equals(memo, memoFrom[slot], memoTo[slot], buf, from, to);
  }

  void remember(int slot, byte[] buf, int from, int to) {
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
}
