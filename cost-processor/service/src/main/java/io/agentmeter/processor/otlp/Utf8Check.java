package io.agentmeter.processor.otlp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Whether bytes are well-formed UTF-8, as protobuf-java requires of a string field: no overlong
 * forms, no surrogates, nothing past U+10FFFF; without making a string.
 */
final class Utf8Check {

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  private Utf8Check() {}

  static boolean valid(byte[] buf, int offset, int length) {
    int i = offset;
    int end = offset + length;
    // ASCII, 8 bytes at a time, then one at a time
    while (end - i >= 8 && ((long) LONGS.get(buf, i) & HIGH_BITS) == 0) {
      i += 8;
    }
    while (i < end && buf[i] >= 0) {
      i++;
    }
    while (i < end) {
      int lead = buf[i++] & 0xFF;
      if (lead < 0x80) {
        continue;
      }
      if (lead < 0xC2) {
        return false; // a continuation byte, or the overlong C0 and C1
      }
      if (lead < 0xE0) {
        if (i >= end || !continuation(buf[i++])) {
          return false;
        }
      } else if (lead < 0xF0) {
        if (end - i < 2) {
          return false;
        }
        int second = buf[i++] & 0xFF;
        if (second < (lead == 0xE0 ? 0xA0 : 0x80) || second > (lead == 0xED ? 0x9F : 0xBF)
            || !continuation(buf[i++])) {
          return false;
        }
      } else if (lead < 0xF5) {
        if (end - i < 3) {
          return false;
        }
        int second = buf[i++] & 0xFF;
        if (second < (lead == 0xF0 ? 0x90 : 0x80) || second > (lead == 0xF4 ? 0x8F : 0xBF)
            || !continuation(buf[i++]) || !continuation(buf[i++])) {
          return false;
        }
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean continuation(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
