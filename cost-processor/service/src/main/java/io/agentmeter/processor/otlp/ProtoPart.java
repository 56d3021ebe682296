package io.agentmeter.processor.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Arrays;

/**
 * A length-delimited field of message type, read where it is; when it comes more than once the
 * pieces are concatenated, which protobuf defines as merging them.
 */
final class ProtoPart {
  int start = -1;
  int end;
  /** Further occurrences, as (start, end) pairs: joined once, when needed. */
  int[] more;
  int moreCount;
  byte[] joined;

  void add(ProtoReader in, int limit) throws InvalidProtocolBufferException {
    int length = in.length(limit);
    if (start < 0) {
      start = in.pos;
      end = in.pos + length;
    } else {
      if (more == null) {
        more = new int[8];
      } else if (moreCount == more.length) {
        more = Arrays.copyOf(more, more.length * 2);
      }
      more[moreCount++] = in.pos;
      more[moreCount++] = in.pos + length;
    }
    in.pos += length;
  }

  /** Whether the field came more than once (protobuf merges them, as if concatenated). */
  boolean isMerged() {
    return more != null;
  }

  /** Every occurrence's bytes, concatenated. */
  byte[] merged(byte[] buf) {
    if (joined == null) {
      int size = end - start;
      for (int i = 0; i < moreCount; i += 2) {
        size += more[i + 1] - more[i];
      }
      joined = new byte[size];
      System.arraycopy(buf, start, joined, 0, end - start);
      int at = end - start;
      for (int i = 0; i < moreCount; i += 2) {
        System.arraycopy(buf, more[i], joined, at, more[i + 1] - more[i]);
        at += more[i + 1] - more[i];
      }
    }
    return joined;
  }

  byte[] bytes(byte[] buf) {
    return more != null ? merged(buf) : start < 0 ? new byte[0] : Arrays.copyOfRange(buf, start, end);
  }
}
