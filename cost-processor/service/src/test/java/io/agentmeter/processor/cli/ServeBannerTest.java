package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.Processor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code serve} prints is where it listens. */
class ServeBannerTest {

  @TempDir Path dir;

  @Test
  void anEmptyTokenSetsNoneSoTheBannerAndTheApiSayLoopback() throws Exception {
    assertThat(banner("--api-token=")).contains("API:     http://127.0.0.1:");
    assertThat(banner("--api-token=", "--api-token=,")).contains("API:     http://127.0.0.1:");
  }

  @Test
  void aTokenPutsTheApiOnTheBindAddress() throws Exception {
    assertThat(banner("--api-token=s3cret")).contains("API:     http://0.0.0.0:");
  }

  @Test
  void gRpcOffIsSaidSoAndMetricsAndLogsAreSaidToBeDropped() throws Exception {
    assertThat(banner()).contains("OTLP:    grpc off (--otlp-grpc-port -1), http 0.0.0.0:")
        .contains("/v1/traces (metrics and logs are accepted and dropped)\n")
        .doesNotContain(":-1");
  }

  /** Starts {@code serve} as the command line would, prints its banner and stops it. */
  private String banner(String... tokenArgs) throws Exception {
    ServeCommand serve = new ServeCommand();
    String[] args = new String[tokenArgs.length + 5];
    args[0] = "--ledger=" + dir.resolve("ledger-" + tokenArgs.length + ".db");
    args[1] = "--otlp-http-port=0";
    args[2] = "--otlp-grpc-port=-1";
    args[3] = "--api-port=0";
    args[4] = "--bind=0.0.0.0";
    System.arraycopy(tokenArgs, 0, args, 5, tokenArgs.length);
    new CommandLine(serve).parseArgs(args);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Processor processor = serve.start()) {
      serve.banner(processor, !serve.tokens().isEmpty(), new PrintStream(out, true, StandardCharsets.UTF_8));
      // and the API is open on loopback exactly when the banner says so
      HttpResponse<String> costs = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + processor.apiPort() + "/api/v1/costs")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(costs.statusCode()).isEqualTo(serve.tokens().isEmpty() ? 200 : 401);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
