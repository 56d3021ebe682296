package io.agentmeter.cost.benchmarks.load;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Export requests made by patching one encoded template (ids, task and response ids, client) so
 * that the load generator spends little of the shared cores: the bytes are exactly those {@link
 * Traces#request} would encode for the same trace numbers (all patched fields have a fixed width).
 */
final class Requests {

  private static final long TEMPLATE_FIRST = 0x0123_4567_89ABL;
  private static final int TRACE_ID = 0;
  private static final int SPAN_ID = 1;
  private static final int TASK = 2;
  private static final int RESPONSE = 3;
  private static final int CLIENT = 4;

  final long startMillis = System.currentTimeMillis();
  private final byte[] template;
  private final List<int[]> patches = new ArrayList<>(); // {offset, kind, trace, span}
  private final boolean randomIds;

  Requests(Profile profile, int traces, boolean randomIds) {
    this.randomIds = randomIds;
    this.template = Traces.request(profile, TEMPLATE_FIRST, traces, startMillis, randomIds).toByteArray();
    for (int t = 0; t < traces; t++) {
      long n = TEMPLATE_FIRST + t;
      find(ByteBuffer.allocate(16).putLong(Traces.firstHalf(n, randomIds)).putLong(n + 1).array(),
          TRACE_ID, t, 0);
      for (int i = 0; i < Traces.SPANS_PER_TRACE; i++) {
        find(ByteBuffer.allocate(8).putLong(Traces.spanId(n, i)).array(), SPAN_ID, t, i);
      }
      find(String.format(Locale.ROOT, "task-%019d", n).getBytes(StandardCharsets.US_ASCII), TASK, t, 0);
      for (int i : profile.llmSpans()) {
        find(Traces.responseId(n, i).getBytes(StandardCharsets.US_ASCII), RESPONSE, t, i);
      }
      find(("client-" + (n % 7)).getBytes(StandardCharsets.US_ASCII), CLIENT, t, 0);
    }
  }

  private void find(byte[] pattern, int kind, int trace, int span) {
    outer:
    for (int at = 0; at <= template.length - pattern.length; at++) {
      for (int j = 0; j < pattern.length; j++) {
        if (template[at + j] != pattern[j]) {
          continue outer;
        }
      }
      patches.add(new int[] {at, kind, trace, span});
    }
  }

  /** The request {@link Traces#request}{@code (profile, firstTrace, traces, ...)} would build. */
  byte[] make(long firstTrace) {
    byte[] out = template.clone();
    for (int[] p : patches) {
      long n = firstTrace + p[2];
      switch (p[1]) {
        case TRACE_ID -> {
          putLong(out, p[0], Traces.firstHalf(n, randomIds));
          putLong(out, p[0] + 8, n + 1);
        }
        case SPAN_ID -> putLong(out, p[0], Traces.spanId(n, p[3]));
        case TASK -> digits(out, p[0] + "task-".length(), n);
        case RESPONSE -> digits(out, p[0] + "chatcmpl-".length(), n);
        default -> out[p[0] + "client-".length()] = (byte) ('0' + n % 7);
      }
    }
    return out;
  }

  private static void putLong(byte[] out, int at, long value) {
    for (int i = 7; i >= 0; i--) {
      out[at + i] = (byte) value;
      value >>>= 8;
    }
  }

  private static void digits(byte[] out, int at, long value) {
    for (int i = 18; i >= 0; i--) {
      out[at + i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
