package io.agentmeter.processor.forward;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** One way of sending an OTLP export request to a backend: OTLP/HTTP or OTLP/gRPC. */
interface Transport extends AutoCloseable {

  /**
   * Sends one serialized {@code ExportTraceServiceRequest} and says how it went; never throws but
   * on interruption.
   */
  Attempt export(byte[] request) throws InterruptedException;

  /** Stops sending; what is in flight fails. */
  @Override
  void close();

  /** What came of one request. */
  enum Result {
    /** The backend took the request (maybe refusing some spans: {@link Attempt#rejected}). */
    ACCEPTED,
    /** It failed in a way worth trying again (a retryable code, a connection or timeout error). */
    RETRY,
    /** The backend refused it for good. */
    REFUSED
  }

  /**
   * @param rejected spans an accepting backend said it refused (OTLP partial success)
   * @param retryAfter how long the backend asked to be left alone, or {@code null}
   * @param detail what happened, for the log
   */
  record Attempt(Result result, long rejected, @Nullable Duration retryAfter, String detail) {

    static Attempt accepted(long rejected, String detail) {
      return new Attempt(Result.ACCEPTED, rejected, null, detail);
    }

    static Attempt retry(@Nullable Duration retryAfter, String detail) {
      return new Attempt(Result.RETRY, 0, retryAfter, detail);
    }

    static Attempt refused(String detail) {
      return new Attempt(Result.REFUSED, 0, null, detail);
    }
  }
}
