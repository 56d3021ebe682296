package io.agentmeter.processor.forward;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * OTLP/HTTP protobuf. Plain {@code http://} speaks HTTP/1.1 only: the JDK client would otherwise
 * ask every request to upgrade to HTTP/2 (h2c), which a server that does not speak it answers
 * slower; {@code https://} negotiates HTTP/2 through TLS (ALPN) and falls back to HTTP/1.1.
 */
final class HttpTransport implements Transport {

  private final URI endpoint;
  private final HttpClient client;
  private final Duration timeout;
  private final Clock clock;

  /**
   * @param clock what an HTTP-date in {@code Retry-After} is measured against
   */
  HttpTransport(URI endpoint, Duration timeout, Clock clock) {
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.clock = clock;
    this.client = HttpClient.newBuilder()
        .version("https".equalsIgnoreCase(endpoint.getScheme())
            ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** The protocol version requests start with. */
  HttpClient.Version version() {
    return client.version();
  }

  @Override
  public Attempt export(byte[] request) throws InterruptedException {
    HttpResponse<byte[]> response;
    try {
      response = client.send(HttpRequest.newBuilder(endpoint)
              .timeout(timeout)
              .header("Content-Type", "application/x-protobuf")
              .POST(HttpRequest.BodyPublishers.ofByteArray(request))
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return Attempt.retry(null, e.toString());
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      ExportTracePartialSuccess partial = partialSuccess(response.body());
      return Attempt.accepted(partial.getRejectedSpans(), partial.getErrorMessage());
    }
    if (status == 429 || status == 502 || status == 503 || status == 504) {
      return Attempt.retry(retryAfter(response.headers().firstValue("Retry-After"), clock),
          "HTTP " + status);
    }
    return Attempt.refused("HTTP " + status);
  }

  private static ExportTracePartialSuccess partialSuccess(byte[] body) {
    if (body.length == 0) {
      return ExportTracePartialSuccess.getDefaultInstance();
    }
    try {
      return ExportTraceServiceResponse.parseFrom(body).getPartialSuccess();
    } catch (InvalidProtocolBufferException e) {
      // not the protobuf response asked for: the request was taken all the same
      return ExportTracePartialSuccess.getDefaultInstance();
    }
  }

  /**
   * The wait a {@code Retry-After} header asks for: delay-seconds or an HTTP-date; {@code null}
   * when absent or unreadable.
   */
  static @Nullable Duration retryAfter(Optional<String> header, Clock clock) {
    if (header.isEmpty()) {
      return null;
    }
    String value = header.get().trim();
    try {
      long seconds = Long.parseLong(value);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException e) {
      // an HTTP-date then
    }
    try {
      Duration wait = Duration.between(clock.instant(),
          ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      return wait.isNegative() ? Duration.ZERO : wait;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Override
  public void close() {
    // the JDK 17 client has no close: its connections go when it is collected
  }
}
