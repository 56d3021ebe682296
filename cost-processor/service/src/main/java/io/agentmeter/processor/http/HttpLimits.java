package io.agentmeter.processor.http;

import java.time.Duration;

/**
 * What a client may take of a server facing an untrusted network. A slow or stalled client holds
 * a connection (never a thread) for at most these times, and at most {@code maxConnections} of
 * them are open at once.
 *
 * @param headerTimeout a request's line and headers must all arrive within this of its first byte
 * @param bodyTimeout its body must all arrive within this of its headers
 * @param idleTimeout a connection with no request under way is closed after this
 * @param maxConnections connections open at once; one more is answered 503 and closed
 */
public record HttpLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
    int maxConnections) {

  /** 10 s for headers, 30 s for a body (an OTel SDK gives up on an export after 10 s), 60 s idle. */
  public static final HttpLimits DEFAULTS = new HttpLimits(Duration.ofSeconds(10),
      Duration.ofSeconds(30), Duration.ofSeconds(60), 1_024);

  public HttpLimits {
    if (!positive(headerTimeout) || !positive(bodyTimeout) || !positive(idleTimeout)) {
      throw new IllegalArgumentException("HTTP timeouts must be positive, got header "
          + headerTimeout + ", body " + bodyTimeout + ", idle " + idleTimeout);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
    }
  }

  /** These limits with at most {@code connections} connections. */
  public HttpLimits withMaxConnections(int connections) {
    return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, connections);
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isNegative() && !d.isZero();
  }
}
