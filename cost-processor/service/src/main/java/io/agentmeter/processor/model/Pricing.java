package io.agentmeter.processor.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The prices a rollup was computed with: a version of the bundled catalogue, alone or with a
 * user's price file on top. The ledger keeps each one a rollup names, contents and all, so that a
 * trace rolled up again later (a late span) is priced as it was: not with the prices the service
 * runs with then, even after an upgrade changed the bundled catalogue. Re-pricing is `reprice`'s.
 *
 * @param id {@code bundled@<h>} or {@code bundled@<h>+<file name>@<h>}, each {@code <h>} the
 *     first 16 hex digits of the SHA-256 of the content it stands for
 * @param bundled the bundled catalogue's content
 * @param name the price file's name, or {@code null} for the bundled catalogue alone
 * @param content the price file's content, or {@code null} for the bundled catalogue alone
 */
public record Pricing(String id, String bundled, @Nullable String name, @Nullable String content) {

  /** The bundled catalogue of {@code bundled} content alone. */
  public static Pricing bundled(String bundled) {
    return new Pricing("bundled@" + hash(bundled), bundled, null, null);
  }

  /** The bundled catalogue with the price file {@code name} of {@code content} on top. */
  public static Pricing withFile(String bundled, String name, String content) {
    return new Pricing("bundled@" + hash(bundled) + "+" + name + "@" + hash(content), bundled,
        name, content);
  }

  private static String hash(String content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(content.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
