package io.agentmeter.processor.model;

/**
 * A storage stage could not do what was asked (a full disk, a lost database connection, a stored
 * request that cannot be read back). Nothing was half done: what the call writes is written whole
 * or not at all.
 */
public final class StorageException extends Exception {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
