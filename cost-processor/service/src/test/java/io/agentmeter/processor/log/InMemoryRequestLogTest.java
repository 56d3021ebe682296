package io.agentmeter.processor.log;

class InMemoryRequestLogTest extends RequestLogKit {

  @Override
  protected RequestLog open() {
    return new InMemoryRequestLog();
  }
}
