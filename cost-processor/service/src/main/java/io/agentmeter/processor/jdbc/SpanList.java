package io.agentmeter.processor.jdbc;

import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.SpanRow;
import io.agentmeter.processor.store.CostLine;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A trace's spans as one value of its {@code traces} row ({@code spans}): for each delivered span,
 * in the rollup's order, its delivery (span id, fingerprint, stored request) and what the trace
 * view shows of it. Cost queries never read it; they read the billable lines of {@code cost_lines}.
 * One value per trace instead of a row per span is what makes a trace of tool, HTTP and database
 * spans cost one row to store.
 *
 * <p>Format, version 1: a version byte, a span count, then per span: span id, fingerprint, request
 * id, parent span id, name, start (ns), agent, model, status, reason, the span's own cost as a
 * plain decimal string. Strings are a length (-1 for none) and UTF-8 bytes.
 */
final class SpanList {

  private static final int VERSION = 1;

  /** One span as the list holds it. */
  record Entry(DeliveryKey delivery, long batchId, SpanRow row) {}

  private SpanList() {}

  /** The list of a rollup's lines: the first line of each of its spans, in order. */
  static byte[] encode(List<CostLine> lines) {
    int count = 0;
    for (CostLine line : lines) {
      if (line.first()) {
        count++;
      }
    }
    Writer out = new Writer(64 + count * 160);
    out.header(count);
    for (CostLine line : lines) {
      if (line.first()) {
        out.span(line.spanId(), line.fingerprint(), line.batchId(), line.parentSpanId(),
            line.name(), line.startNanos(), line.agent(), line.model(), line.status(),
            line.reason(), line.spanCost());
      }
    }
    return out.bytes();
  }

  /** The list of {@code entries}, in order. */
  static byte[] encodeEntries(List<Entry> entries) {
    Writer out = new Writer(64 + entries.size() * 160);
    out.header(entries.size());
    for (Entry entry : entries) {
      SpanRow row = entry.row();
      out.span(entry.delivery().spanId(), entry.delivery().fingerprint(), entry.batchId(),
          row.parentSpanId(), row.name(), row.startNanos(), row.agent(), row.model(),
          row.status(), row.reason(), row.cost());
    }
    return out.bytes();
  }

  /** A growing byte array written in the list's format (big-endian, as the reader reads). */
  private static final class Writer {
    private byte[] buffer;
    private int size;

    Writer(int capacity) {
      buffer = new byte[capacity];
    }

    void header(int count) {
      room(5);
      buffer[size++] = VERSION;
      putInt(count);
    }

    void span(String spanId, String fingerprint, long batchId, @Nullable String parent,
        String name, long start, @Nullable String agent, @Nullable String model,
        @Nullable String status, @Nullable String reason, @Nullable BigDecimal cost) {
      text(spanId);
      text(fingerprint);
      putLong(batchId);
      text(parent);
      text(name);
      putLong(start);
      text(agent);
      text(model);
      text(status);
      text(reason);
      text(cost == null ? null : cost.toPlainString());
    }

    private void text(@Nullable String value) {
      if (value == null) {
        room(4);
        putInt(-1);
        return;
      }
      int length = value.length();
      boolean ascii = true;
      for (int i = 0; i < length && ascii; i++) {
        ascii = value.charAt(i) < 0x80;
      }
      if (!ascii) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        room(4 + utf8.length);
        putInt(utf8.length);
        System.arraycopy(utf8, 0, buffer, size, utf8.length);
        size += utf8.length;
        return;
      }
      room(4 + length);
      putInt(length);
      for (int i = 0; i < length; i++) {
        buffer[size++] = (byte) value.charAt(i);
      }
    }

    private void putInt(int value) {
      room(4);
      buffer[size++] = (byte) (value >>> 24);
      buffer[size++] = (byte) (value >>> 16);
      buffer[size++] = (byte) (value >>> 8);
      buffer[size++] = (byte) value;
    }

    private void putLong(long value) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buffer[size++] = (byte) (value >>> shift);
      }
    }

    private void room(int more) {
      if (size + more > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
      }
    }

    byte[] bytes() {
      return Arrays.copyOf(buffer, size);
    }
  }

  /** The spans of a stored list, in order (none for {@code null}). */
  static List<Entry> decode(byte @Nullable [] list) {
    if (list == null || list.length == 0) {
      return List.of();
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(list))) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalStateException("a trace's span list has version " + version
            + "; this build reads version " + VERSION + " (was the ledger written by a newer one?)");
      }
      int count = in.readInt();
      List<Entry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String spanId = required(in);
        String fingerprint = required(in);
        long batchId = in.readLong();
        String parent = text(in);
        String name = required(in);
        long start = in.readLong();
        String agent = text(in);
        String model = text(in);
        String status = text(in);
        String reason = text(in);
        String cost = text(in);
        entries.add(new Entry(new DeliveryKey(spanId, fingerprint), batchId,
            new SpanRow(spanId, parent, name, start, agent, model, status, reason,
                cost == null ? null : new BigDecimal(cost).stripTrailingZeros())));
      }
      return entries;
    } catch (IOException e) {
      throw new IllegalStateException("a trace's span list is cut short or damaged", e);
    }
  }

  /** The deliveries of a stored list with their requests, in order. */
  static Map<DeliveryKey, Long> deliveries(byte @Nullable [] list) {
    Map<DeliveryKey, Long> found = new LinkedHashMap<>();
    for (Entry entry : decode(list)) {
      found.put(entry.delivery(), entry.batchId());
    }
    return found;
  }

  private static @Nullable String text(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static String required(DataInputStream in) throws IOException {
    String value = text(in);
    if (value == null) {
      throw new IOException("a required field is missing");
    }
    return value;
  }
}
