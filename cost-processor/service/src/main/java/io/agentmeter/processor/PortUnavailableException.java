package io.agentmeter.processor;

import java.net.BindException;
import java.net.InetSocketAddress;

/**
 * A port the {@link Processor} was to listen on cannot be had (another process listens on it, two
 * of its listeners were given the same one, the address is not this host's). Nothing was started;
 * found, as it almost always is, before the ledger was opened ({@link #beforeLedger()}), no ledger
 * was created either.
 */
public final class PortUnavailableException extends BindException {

  private static final long serialVersionUID = 1L;

  /** Which of the processor's listeners. */
  public enum Listener {
    OTLP_GRPC("OTLP/gRPC"),
    OTLP_HTTP("OTLP/HTTP"),
    API("the API");

    private final String label;

    Listener(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  private final Listener listener;
  private final String address;
  private final String reason;
  private final boolean beforeLedger;

  PortUnavailableException(Listener listener, InetSocketAddress address, String reason,
      boolean beforeLedger) {
    super(listener + " cannot listen on " + address.getHostString() + ":" + address.getPort()
        + ": " + reason);
    this.listener = listener;
    this.address = address.getHostString() + ":" + address.getPort();
    this.reason = reason;
    this.beforeLedger = beforeLedger;
  }

  public Listener listener() {
    return listener;
  }

  /** {@code host:port}, as given. */
  public String address() {
    return address;
  }

  /** Why, as the operating system says it ({@code Address already in use}). */
  public String reason() {
    return reason;
  }

  /**
   * Whether it was found before the ledger was opened (so none was created), or only by the
   * listener's own bind: the port was taken in the moment after it was checked.
   */
  public boolean beforeLedger() {
    return beforeLedger;
  }
}
