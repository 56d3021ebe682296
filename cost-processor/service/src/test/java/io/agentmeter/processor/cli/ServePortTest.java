package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.cli.CliTest.Result;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} on a port that is taken says which port, which option set it and where its value
 * came from, and leaves no new ledger behind: the ports are checked before the ledger is opened.
 */
class ServePortTest {

  @TempDir Path dir;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // were the port not refused, serve would run on
  void aTakenPortIsNamedWithItsOptionAndNoLedgerIsCreated() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      String port = Integer.toString(taken.getLocalPort());
      Path ledger = dir.resolve("new.db");
      Path config = dir.resolve("serve.yaml");
      Files.writeString(config, "api-port: " + port + "\n");

      Result http = CliTest.run("serve", "--ledger", ledger.toString(), "--bind", "127.0.0.1",
          "--otlp-http-port", port, "--otlp-grpc-port", "-1", "--api-port", "0");
      Result api = CliTest.run("serve", "--config", config.toString(), "--ledger",
          ledger.toString(), "--bind", "127.0.0.1", "--otlp-http-port", "0",
          "--otlp-grpc-port", "-1");

      assertThat(http.code()).isEqualTo(1);
      assertThat(http.err()).startsWith("agentmeter: OTLP/HTTP cannot listen on 127.0.0.1:" + port
              + ", the port of --otlp-http-port (given on the command line): ")
          .contains("in use")
          .endsWith(". Stop what listens there, or choose another port with --otlp-http-port;"
              + " nothing was started, and no ledger was opened or created\n");
      assertThat(api.code()).isEqualTo(1);
      assertThat(api.err()).startsWith("agentmeter: the API cannot listen on 127.0.0.1:" + port
          + ", the port of --api-port (from 'api-port' in " + config + "): ");
      try (var files = Files.list(dir)) {
        assertThat(files.map(Path::getFileName).map(Path::toString)).containsExactly("serve.yaml");
      }
    }
  }
}
