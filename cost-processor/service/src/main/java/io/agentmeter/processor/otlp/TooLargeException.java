package io.agentmeter.processor.otlp;

/** A body larger than the configured limit, compressed or after decompression. */
public final class TooLargeException extends Exception {
  private static final long serialVersionUID = 1L;

  public TooLargeException(String message) {
    super(message);
  }
}
