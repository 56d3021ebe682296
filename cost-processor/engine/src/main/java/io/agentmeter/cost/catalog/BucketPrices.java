package io.agentmeter.cost.catalog;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * Prices per token for each token bucket; {@code null} means "not given", and the pricer falls back
 * as the catalogue format documents (cache read to input, reasoning to output...).
 */
public record BucketPrices(
    @Nullable BigDecimal input,
    @Nullable BigDecimal cacheRead,
    @Nullable BigDecimal cacheWrite5m,
    @Nullable BigDecimal cacheWrite1h,
    @Nullable BigDecimal output,
    @Nullable BigDecimal reasoning,
    @Nullable BigDecimal inputAudio,
    @Nullable BigDecimal outputAudio,
    @Nullable BigDecimal inputImage,
    @Nullable BigDecimal outputImage) {

  /** No price given for any bucket. */
  public static final BucketPrices NONE =
      new BucketPrices(null, null, null, null, null, null, null, null, null, null);

  /** These prices, with every bucket this record leaves out taken from {@code base}. */
  public BucketPrices over(BucketPrices base) {
    return new BucketPrices(
        input != null ? input : base.input,
        cacheRead != null ? cacheRead : base.cacheRead,
        cacheWrite5m != null ? cacheWrite5m : base.cacheWrite5m,
        cacheWrite1h != null ? cacheWrite1h : base.cacheWrite1h,
        output != null ? output : base.output,
        reasoning != null ? reasoning : base.reasoning,
        inputAudio != null ? inputAudio : base.inputAudio,
        outputAudio != null ? outputAudio : base.outputAudio,
        inputImage != null ? inputImage : base.inputImage,
        outputImage != null ? outputImage : base.outputImage);
  }

  /** Whether no bucket has a price. */
  public boolean isEmpty() {
    return equals(NONE);
  }
}
