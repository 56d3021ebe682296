package io.agentmeter.processor.log;

import io.agentmeter.processor.PostgresLedger;
import io.agentmeter.processor.jdbc.JdbcLedger;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresRequestLogTest extends RequestLogKit {

  @RegisterExtension static final PostgresLedger POSTGRES = new PostgresLedger();

  private String url;

  @Override
  protected RequestLog open() throws Exception {
    if (url == null) {
      url = POSTGRES.newLedgerUrl();
    }
    return JdbcLedger.open(url).requestLog();
  }

  @Override
  protected RequestLog reopen(RequestLog log) throws Exception {
    log.close();
    return open();
  }
}
