package io.agentmeter.processor.otlp;

/** A request body that cannot be decoded as OTLP; the message says what is wrong. */
public final class DecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  public DecodeException(String message) {
    super(message);
  }

  public DecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
