package io.agentmeter.cost.catalog;

/** A catalogue file that cannot be read at all; the message says what and where. */
public final class CatalogException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CatalogException(String message) {
    super(message);
  }

  CatalogException(String message, Throwable cause) {
    super(message, cause);
  }
}
