package io.agentmeter.processor.store;

class InMemoryCostStoreTest extends CostStoreKit {

  @Override
  protected CostStore open() {
    return new InMemoryCostStore();
  }
}
