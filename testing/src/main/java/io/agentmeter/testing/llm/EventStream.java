package io.agentmeter.testing.llm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * AWS event-stream framing ({@code application/vnd.amazon.eventstream}), as Bedrock's
 * ConverseStream answers: per message, the total and headers lengths, a CRC32 of those eight bytes,
 * the headers (name, type 7 = string, value), the JSON payload, and a CRC32 of everything before it.
 */
final class EventStream {

  private EventStream() {}

  /** {@code events} alternates an event type and its JSON payload. */
  static byte[] encode(String... events) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < events.length; i += 2) {
      ByteArrayOutputStream headers = new ByteArrayOutputStream();
      String[][] pairs = {{":event-type", events[i]}, {":content-type", "application/json"},
          {":message-type", "event"}};
      for (String[] pair : pairs) {
        byte[] name = pair[0].getBytes(StandardCharsets.UTF_8);
        byte[] value = pair[1].getBytes(StandardCharsets.UTF_8);
        headers.write(name.length);
        headers.writeBytes(name);
        headers.write(7);
        headers.write(value.length >> 8);
        headers.write(value.length & 0xff);
        headers.writeBytes(value);
      }
      byte[] payload = events[i + 1].getBytes(StandardCharsets.UTF_8);
      ByteBuffer message = ByteBuffer.allocate(16 + headers.size() + payload.length);
      message.putInt(message.capacity()).putInt(headers.size());
      message.putInt((int) crc(message.array(), 8));
      message.put(headers.toByteArray()).put(payload);
      message.putInt((int) crc(message.array(), message.position()));
      all.writeBytes(message.array());
    }
    return all.toByteArray();
  }

  static long crc(byte[] bytes, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, length);
    return crc.getValue();
  }
}
