package io.agentmeter.processor.log;

import io.agentmeter.processor.jdbc.JdbcLedger;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteRequestLogTest extends RequestLogKit {

  @TempDir Path dir;

  @Override
  protected RequestLog open() throws Exception {
    return JdbcLedger.open(dir.resolve("ledger.db").toString()).requestLog();
  }

  @Override
  protected RequestLog reopen(RequestLog log) throws Exception {
    log.close();
    return open();
  }
}
