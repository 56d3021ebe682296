package io.agentmeter.processor.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Reads protobuf wire format from a byte array, one field at a time, with a position that can be
 * moved back to re-read a range. Every read is bounded by the end of the message being read, and
 * malformed input fails with the messages protobuf-java's own parser gives.
 */
final class ProtoReader {

  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  /** Protobuf-java's default recursion limit. */
  static final int MAX_DEPTH = 100;

  final byte[] buf;
  int pos;

  ProtoReader(byte[] buf) {
    this.buf = buf;
  }

  static int tag(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** The next field's tag in the message ending at {@code end}, or 0 at its end. */
  int tag(int end) throws InvalidProtocolBufferException {
    if (pos >= end) {
      return 0;
    }
    int tag = (int) varint(end);
    if (tag >>> 3 == 0) {
      throw new InvalidProtocolBufferException("Protocol message contained an invalid tag (zero).");
    }
    return tag;
  }

  long varint(int end) throws InvalidProtocolBufferException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw truncated();
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new InvalidProtocolBufferException("CodedInputStream encountered a malformed varint.");
  }

  long fixed64(int end) throws InvalidProtocolBufferException {
    if (end - pos < 8) {
      throw truncated();
    }
    long value = (buf[pos] & 0xFFL) | (buf[pos + 1] & 0xFFL) << 8 | (buf[pos + 2] & 0xFFL) << 16
        | (buf[pos + 3] & 0xFFL) << 24 | (buf[pos + 4] & 0xFFL) << 32 | (buf[pos + 5] & 0xFFL) << 40
        | (buf[pos + 6] & 0xFFL) << 48 | (buf[pos + 7] & 0xFFL) << 56;
    pos += 8;
    return value;
  }

  /** The length of a length-delimited field whose bytes follow, checked to fit before {@code end}. */
  int length(int end) throws InvalidProtocolBufferException {
    int length = (int) varint(end);
    if (length < 0) {
      throw new InvalidProtocolBufferException("CodedInputStream encountered an embedded string or "
          + "message which claimed to have negative size.");
    }
    if (length > end - pos) {
      throw truncated();
    }
    return length;
  }

  /** Skips the field whose {@code tag} was just read. */
  void skip(int tag, int end) throws InvalidProtocolBufferException {
    skip(tag, end, 0);
  }

  private void skip(int tag, int end, int depth) throws InvalidProtocolBufferException {
    switch (tag & 7) {
      case VARINT -> varint(end);
      case FIXED64 -> advance(8, end);
      case LENGTH_DELIMITED -> {
        int length = length(end); // before pos is read: length() moves it past the length
        pos += length;
      }
      case START_GROUP -> {
        if (depth >= MAX_DEPTH) {
          throw tooDeep();
        }
        int inner;
        while ((inner = tag(end)) != 0 && (inner & 7) != END_GROUP) {
          skip(inner, end, depth + 1);
        }
        if (inner != (tag & ~7 | END_GROUP)) {
          throw endGroupMismatch();
        }
      }
      case END_GROUP -> throw endGroupMismatch();
      case FIXED32 -> advance(4, end);
      default -> throw new InvalidProtocolBufferException("Protocol message tag had invalid wire type.");
    }
  }

  private void advance(int bytes, int end) throws InvalidProtocolBufferException {
    if (end - pos < bytes) {
      throw truncated();
    }
    pos += bytes;
  }

  /** The {@code length} bytes at {@code offset} as UTF-8 text, refused when not valid UTF-8. */
  String string(int offset, int length) throws InvalidProtocolBufferException {
    String text = new String(buf, offset, length, StandardCharsets.UTF_8);
    // the decoder substitutes U+FFFD for malformed input; only then is a strict check needed
    // (Latin-1 strings, ASCII keys among them, answer indexOf without scanning)
    if (text.indexOf('\uFFFD') >= 0) {
      try {
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(buf, offset, length));
      } catch (CharacterCodingException e) {
        throw new InvalidUtf8Exception();
      }
    }
    return text;
  }

  static InvalidProtocolBufferException tooDeep() {
    return new InvalidProtocolBufferException("Protocol message had too many levels of nesting.  "
        + "May be malicious.  Use setRecursionLimit() to increase the recursion depth limit.");
  }

  private static InvalidProtocolBufferException endGroupMismatch() {
    return new InvalidProtocolBufferException(
        "Protocol message end-group tag did not match expected tag.");
  }

  private static InvalidProtocolBufferException truncated() {
    return new InvalidProtocolBufferException("While parsing a protocol message, the input ended "
        + "unexpectedly in the middle of a field.  This could mean either that the input has been "
        + "truncated or that an embedded message misreported its own length.");
  }
}
