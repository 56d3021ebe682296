package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmeter.processor.Processor;
import io.agentmeter.processor.cli.CliTest.Result;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process at a time writes a SQLite ledger: a second service on it (in this process or
 * another) is refused at start with a message naming the ledger, while {@code report} reads it
 * beside the running service.
 */
class LedgerLockTest {

  @TempDir Path dir;

  @Test
  void aSecondWriterIsRefusedAndReportReadsBesideTheService() throws Exception {
    Path ledger = dir.resolve("ledger.db");
    try (Processor serve = start(ledger)) {
      int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + serve.otlpHttpPort() + "/v1/traces"))
          .header("Content-Type", "application/x-protobuf")
          .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpPayloads.trace(1, 2).toByteArray()))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      assertThat(status).isEqualTo(200);
      serve.flush();

      // a second service in this process
      assertThatThrownBy(() -> start(ledger))
          .hasMessageContaining("the ledger " + ledger)
          .hasMessageContaining("is open in this process");

      // a second service in another process
      Process other = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Cli.class.getName(), "serve",
          "--ledger", ledger.toString(), "--otlp-http-port", "0", "--otlp-grpc-port", "-1",
          "--api-port", "0", "--bind", "127.0.0.1")
          .redirectErrorStream(true).start();
      assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(other.exitValue()).as(output).isEqualTo(1);
      assertThat(output).contains("the ledger " + ledger + " is open in another process");

      // report only reads: it works while the service runs (two calls of 0.000021)
      Result report = CliTest.run("report", "--ledger", ledger.toString(), "--by", "model",
          "--format", "csv");
      assertThat(report.code()).as(report.err()).isZero();
      assertThat(report.out()).contains("gpt-4o-mini,0.000042,2,0,200,20");
    }
    // the service stopped, the ledger is free again
    try (Processor again = start(ledger)) {
      assertThat(again.costStore().traceIds()).containsExactly(OtlpPayloads.traceIdHex(1));
    }
  }

  private static Processor start(Path ledger) throws Exception {
    return Processor.builder().setLedger(ledger.toString()).setOtlpHttpPort(0).setOtlpGrpcPort(-1)
        .setApiPort(0).setBindHost("127.0.0.1").start();
  }
}
