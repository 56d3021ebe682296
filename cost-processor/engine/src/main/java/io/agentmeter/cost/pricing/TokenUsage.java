package io.agentmeter.cost.pricing;

import org.jspecify.annotations.Nullable;

/**
 * Token counts as a span reports them, in semconv's inclusive form: {@code input} includes cache
 * reads and writes and modality tokens, {@code output} includes reasoning. {@code null} means not
 * reported, which is not the same as zero.
 */
public record TokenUsage(
    @Nullable Long input,
    @Nullable Long output,
    @Nullable Long cacheRead,
    @Nullable Long cacheWrite,
    @Nullable Long cacheWrite1h,
    @Nullable Long reasoning,
    @Nullable Long audioInput,
    @Nullable Long audioOutput,
    @Nullable Long imageInput,
    @Nullable Long imageOutput) {

  /** No count reported. */
  public static final TokenUsage NONE =
      new TokenUsage(null, null, null, null, null, null, null, null, null, null);

  /** Whether any count is reported. */
  public boolean isReported() {
    return input != null || output != null || cacheRead != null || cacheWrite != null
        || reasoning != null;
  }

  /** Input tokens, 0 when not reported. */
  public long inputOrZero() {
    return orZero(input);
  }

  /** Output tokens, 0 when not reported. */
  public long outputOrZero() {
    return orZero(output);
  }

  static long orZero(@Nullable Long value) {
    return value == null ? 0L : value;
  }
}
