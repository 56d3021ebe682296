package io.agentmeter.processor.store;

import io.agentmeter.processor.jdbc.JdbcLedger;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteCostStoreTest extends CostStoreKit {

  @TempDir Path dir;

  @Override
  protected CostStore open() throws Exception {
    return JdbcLedger.open(dir.resolve("ledger.db").toString()).costStore();
  }

  @Override
  protected CostStore reopen(CostStore store) throws Exception {
    store.close();
    return open();
  }
}
