package io.agentmeter.processor.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole response.
 *
 * @param headers further response headers ({@code Allow}, {@code Retry-After}, ...)
 */
public record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {

  public Reply {
    headers = Map.copyOf(headers);
  }

  public static Reply of(int status, String contentType, byte[] body) {
    return new Reply(status, contentType, body, Map.of());
  }

  /** {@code message} and a newline as {@code text/plain}. */
  public static Reply text(int status, String message) {
    return of(status, "text/plain; charset=utf-8",
        (message + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** This reply with one more header. */
  public Reply with(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, contentType, body, more);
  }
}
