package io.agentmeter.processor.receive;

import com.google.protobuf.util.JsonFormat;
import io.agentmeter.processor.http.HttpLimits;
import io.agentmeter.processor.http.HttpServer;
import io.agentmeter.processor.http.Reply;
import io.agentmeter.processor.http.Request;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.otlp.DecodeException;
import io.agentmeter.processor.otlp.OtlpDecoder;
import io.agentmeter.processor.otlp.TooLargeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * OTLP/HTTP on {@code POST /v1/traces}: protobuf or JSON, optionally gzip. {@code POST
 * /v1/metrics} and {@code /v1/logs} (an SDK pointed at the service with {@code
 * OTEL_EXPORTER_OTLP_ENDPOINT} sends them too) are answered 200 with an empty response, their
 * bodies read but not decoded or kept, and counted ({@link Metrics#otlpDropped}); any other path is
 * 404, naming the three. Method, content type,
 * declared length and encoding are checked from the headers, before any of the body is read, so
 * a declared length over the limit is answered 413 at once (also to {@code Expect:
 * 100-continue}); a body sent without a length is read only up to the limit, and a gzip body is
 * inflated only up to it. Slow senders hold a connection, not a thread ({@link HttpServer}).
 */
public final class HttpReceiver implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(HttpReceiver.class.getName());
  private static final String TRACES = "/v1/traces";
  private static final String METRICS = "/v1/metrics";
  private static final String LOGS = "/v1/logs";
  private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ExportHandler handler;
  private final Metrics metrics;
  private final int maxBodyBytes;

  public HttpReceiver(InetSocketAddress address, ExportHandler handler, Metrics metrics,
      int maxBodyBytes, int threads) throws IOException {
    this(address, handler, metrics, maxBodyBytes, threads, HttpLimits.DEFAULTS);
  }

  /**
   * @param threads how many exports are handed to the ledger at once (four times as many more
   *     wait; past that the answer is 503)
   */
  public HttpReceiver(InetSocketAddress address, ExportHandler handler, Metrics metrics,
      int maxBodyBytes, int threads, HttpLimits limits) throws IOException {
    this.handler = handler;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
    this.server = HttpServer.start("agentmeter-otlp-http", address, limits, maxBodyBytes, threads,
        new Exchange());
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  private final class Exchange implements HttpServer.Handler {

    @Override
    public @Nullable Reply head(Request request) {
      if (!request.path().equals(TRACES) && dropped(request) == null) {
        return Reply.text(404, "no such endpoint: " + request.path() + "; this port serves"
            + " OTLP/HTTP POST " + TRACES + " (traces, stored and costed), and POST " + METRICS
            + " and POST " + LOGS + " (accepted and dropped: the service keeps traces only)");
      }
      if (!"POST".equals(request.method())) {
        return Reply.text(405, "use POST").with("Allow", "POST");
      }
      String type = request.header("Content-Type");
      if (!type.startsWith("application/json") && !type.startsWith("application/x-protobuf")) {
        if (dropped(request) == null) {
          metrics.rejected("unsupported_media_type", 0);
        }
        return Reply.text(415, "Content-Type must be application/x-protobuf or application/json,"
            + " got '" + type + "'");
      }
      long length = request.contentLength();
      if (length > maxBodyBytes) {
        return tooLarge(request, length);
      }
      String encoding = encoding(request);
      if (!encoding.isEmpty() && !encoding.equals("identity") && !encoding.equals("gzip")) {
        return Reply.text(415, "Content-Encoding must be gzip or identity, got '" + encoding + "'");
      }
      return null;
    }

    @Override
    public Reply tooLarge(Request request, long declared) {
      if (dropped(request) == null) {
        metrics.rejected("too_large", 0);
      }
      return Reply.text(413, declared >= 0
          ? "body of " + declared + " bytes exceeds the limit of " + maxBodyBytes + " bytes"
          : "body exceeds the limit of " + maxBodyBytes + " bytes");
    }

    @Override
    public Reply handle(Request request, byte[] received) {
      boolean json = request.header("Content-Type").startsWith("application/json");
      String signal = dropped(request);
      if (signal != null) {
        // read (the connection goes on) but neither inflated nor decoded: nothing of it is kept
        metrics.otlpDropped(signal);
        // the empty Export*ServiceResponse: no bytes in protobuf, {} in JSON
        return json ? Reply.of(200, "application/json", EMPTY_JSON)
            : Reply.of(200, "application/x-protobuf", new byte[0]);
      }
      try {
        byte[] body = received;
        if (encoding(request).equals("gzip")) {
          try {
            body = OtlpDecoder.gunzip(new ByteArrayInputStream(received), maxBodyBytes);
          } catch (TooLargeException e) {
            metrics.rejected("too_large", 0);
            return Reply.text(413, e.getMessage());
          }
        }
        // JSON is parsed into the message and handed on as protobuf, to be read and stored as such
        ExportHandler.Outcome outcome =
            handler.handle(json ? OtlpDecoder.json(body).toByteArray() : body);
        if (outcome instanceof ExportHandler.Unavailable u) {
          return Reply.text(503, u.message())
              .with("Retry-After", Integer.toString(u.retryAfterSeconds()));
        }
        ExportHandler.Accepted accepted = (ExportHandler.Accepted) outcome;
        return json
            ? Reply.of(200, "application/json", JsonFormat.printer().print(accepted.response())
                .getBytes(StandardCharsets.UTF_8))
            : Reply.of(200, "application/x-protobuf", accepted.response().toByteArray());
      } catch (DecodeException e) {
        metrics.rejected("undecodable", 0);
        return Reply.text(400, e.getMessage());
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.FINE, "OTLP/HTTP request failed", e);
        return Reply.text(500, "internal error: " + e.getMessage());
      }
    }

    @Override
    public Reply error(int status, String message) {
      Reply reply = Reply.text(status, message);
      return status == 503 ? reply.with("Retry-After", "1") : reply;
    }
  }

  /**
   * The signal of a request the receiver accepts and drops ({@code metrics} for {@code
   * /v1/metrics}, {@code logs} for {@code /v1/logs}), or {@code null}.
   */
  private static @Nullable String dropped(Request request) {
    return switch (request.path()) {
      case METRICS -> "metrics";
      case LOGS -> "logs";
      default -> null;
    };
  }

  private static String encoding(Request request) {
    return request.header("Content-Encoding").toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    server.close();
  }
}
