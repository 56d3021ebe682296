package io.agentmeter.processor;

import java.io.IOException;

/**
 * {@link Processor.Builder#open()} found no ledger where it was told to use an existing one
 * ({@link Processor.Builder#setCreateLedger}), and created none.
 */
public final class MissingLedgerException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String ledger;

  MissingLedgerException(String ledger, boolean postgres) {
    super("there is no ledger at " + ledger + (postgres
        ? " (the database has none of the ledger's tables in its schema)" : "")
        + "; nothing was created");
    this.ledger = ledger;
  }

  /** Where the ledger was looked for: the SQLite file, or the URL without credentials. */
  public String ledger() {
    return ledger;
  }
}
