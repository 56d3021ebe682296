package io.agentmeter.processor.store;

import io.agentmeter.processor.PostgresLedger;
import io.agentmeter.processor.jdbc.JdbcLedger;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresCostStoreTest extends CostStoreKit {

  @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();

  private String url;

  @Override
  protected CostStore open() throws Exception {
    if (url == null) {
      url = POSTGRES.newLedgerUrl();
    }
    return JdbcLedger.open(url).costStore();
  }

  @Override
  protected CostStore reopen(CostStore store) throws Exception {
    store.close();
    return open();
  }
}
