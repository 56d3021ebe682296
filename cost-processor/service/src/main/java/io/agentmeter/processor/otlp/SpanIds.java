package io.agentmeter.processor.otlp;

import java.util.HexFormat;

/** Span ids (8 bytes, as a long) to their hex strings. */
final class SpanIds {
  private long[] keys = new long[256];
  private String[] values = new String[256];
  private int size;

  String hex(byte[] buf, int offset) {
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = key << 8 | (buf[offset + i] & 0xFF);
    }
    int mask = keys.length - 1;
    int slot = Long.hashCode(key * 0x9E3779B97F4A7C15L) & mask;
    while (values[slot] != null) {
      if (keys[slot] == key) {
        return values[slot];
      }
      slot = (slot + 1) & mask;
    }
    String hex = HexFormat.of().formatHex(buf, offset, offset + 8);
    keys[slot] = key;
    values[slot] = hex;
    if (++size * 2 > keys.length) {
      grow();
    }
    return hex;
  }

  private void grow() {
    long[] oldKeys = keys;
    String[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    values = new String[oldKeys.length * 2];
    int mask = keys.length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldValues[i] != null) {
        int slot = Long.hashCode(oldKeys[i] * 0x9E3779B97F4A7C15L) & mask;
        while (values[slot] != null) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        values[slot] = oldValues[i];
      }
    }
  }
}
