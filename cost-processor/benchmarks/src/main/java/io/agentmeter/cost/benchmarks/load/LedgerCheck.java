package io.agentmeter.cost.benchmarks.load;

import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.store.StoredSpans;
import java.nio.file.Path;

/**
 * What the service left in its ledger once stopped: the distinct spans stored and those not
 * rolled up. The load's only use of the service's storage classes.
 */
record LedgerCheck(long distinctSpans, long pending) {

  static LedgerCheck read(Path ledger) throws Exception {
    try (JdbcLedger l = JdbcLedger.open(ledger.toString())) {
      return new LedgerCheck(StoredSpans.count(l.costStore(), l.requestLog()),
          l.requestLog().pending().size());
    }
  }
}
