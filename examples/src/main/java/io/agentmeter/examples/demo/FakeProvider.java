package io.agentmeter.examples.demo;

import io.agentmeter.testing.llm.FakeLlmServer;
import io.agentmeter.testing.llm.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's fake LLM provider on its own, as the compose setup runs it: {@code --port N} (8089),
 * {@code --bind HOST} (127.0.0.1), {@code --scenario FILE} (the demo's bundled scenario).
 */
public final class FakeProvider {

  private FakeProvider() {}

  public static void main(String[] args) throws Exception {
    int port = 8089;
    String host = "127.0.0.1";
    Scenario scenario = DemoOptions.bundledScenario();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--bind" -> host = args[++i];
        case "--scenario" -> scenario = Scenario.parse(Files.readString(Path.of(args[++i])));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (options: --port N, --bind HOST, --scenario FILE)");
      }
    }
    FakeLlmServer fake = FakeLlmServer.start(scenario, host, port);
    System.out.println("fake LLM provider on " + fake.baseUrl() + " (OpenAI /v1, Anthropic /v1/messages)");
    Thread.currentThread().join();
  }
}
