package io.agentmeter.examples.http;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Reads a request's query parameters, for the example services' JDK HTTP servers. */
public final class QueryParameters {

  private QueryParameters() {}

  /** The decoded value of {@code name}; a missing parameter is an error naming it. */
  public static String required(URI uri, String name) {
    String raw = uri.getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).equals(name)) {
          return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
    }
    throw new IllegalArgumentException("missing query parameter '" + name + "'");
  }
}
