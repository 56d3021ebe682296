package io.agentmeter.cost.benchmarks.load;

import io.agentmeter.processor.ledger.Ledger;
import java.nio.file.Path;

/**
 * What the service left in its ledger once stopped: the distinct spans stored and those not
 * rolled up. The load's only use of the service's storage classes.
 */
record LedgerCheck(long distinctSpans, long pending) {

  static LedgerCheck read(Path ledger) throws Exception {
    try (Ledger l = Ledger.open(ledger.toString())) {
      return new LedgerCheck(l.storedSpanCount(), l.pendingSpans().size());
    }
  }
}
