package io.agentmeter.processor.http;

import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/** A request's line and headers (the body, when there is one, is handed over beside it). */
public final class Request {

  private final String method;
  private final String path;
  private final @Nullable String rawQuery;
  private final HttpHeaders headers;

  Request(String method, String path, @Nullable String rawQuery, HttpHeaders headers) {
    this.method = method;
    this.path = path;
    this.rawQuery = rawQuery;
    this.headers = headers;
  }

  /** {@code GET}, {@code POST}, ... as sent. */
  public String method() {
    return method;
  }

  /** The path, percent-decoded. */
  public String path() {
    return path;
  }

  /** The query as sent (not decoded), or {@code null} without one. */
  public @Nullable String rawQuery() {
    return rawQuery;
  }

  /** The first value of a header (names are case-insensitive), trimmed; empty when absent. */
  public String header(String name) {
    String value = headers.get(name);
    return value == null ? "" : value.trim();
  }

  /** The declared {@code Content-Length}, or -1 without one. */
  public long contentLength() {
    String value = header("Content-Length");
    try {
      return value.isEmpty() ? -1 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
