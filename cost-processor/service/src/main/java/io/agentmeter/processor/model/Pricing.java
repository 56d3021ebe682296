package io.agentmeter.processor.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The prices a rollup was computed with: the bundled catalogue, alone or with a user's price file
 * on top. The ledger keeps each one a rollup names, so that a trace rolled up again later (a late
 * span) is priced as it was, not with whatever prices the service runs with then.
 *
 * @param id {@value #BUNDLED}, or {@code bundled+<file name>@<the first 16 hex digits of the
 *     file's SHA-256>}
 * @param name the price file's name, or {@code null} for the bundled catalogue alone
 * @param content the price file's content, or {@code null} for the bundled catalogue alone
 */
public record Pricing(String id, @Nullable String name, @Nullable String content) {

  public static final String BUNDLED = "bundled";

  /** The bundled catalogue alone. */
  public static Pricing bundled() {
    return new Pricing(BUNDLED, null, null);
  }

  /** The bundled catalogue with the price file {@code name} of {@code content} on top. */
  public static Pricing withFile(String name, String content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(content.getBytes(StandardCharsets.UTF_8));
      return new Pricing(BUNDLED + "+" + name + "@" + HexFormat.of().formatHex(digest, 0, 8),
          name, content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
