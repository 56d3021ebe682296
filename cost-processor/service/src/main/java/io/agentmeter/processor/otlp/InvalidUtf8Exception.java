package io.agentmeter.processor.otlp;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * A string field that is not valid UTF-8. Unlike a framing error it leaves the rest of the request
 * readable, so only the span (or resource) holding it is rejected.
 */
final class InvalidUtf8Exception extends InvalidProtocolBufferException {
  private static final long serialVersionUID = 1L;

  InvalidUtf8Exception() {
    super("Protocol message had invalid UTF-8.");
  }
}
