package io.agentmeter.processor;

import static io.agentmeter.testing.otlp.OtlpPayloads.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agentmeter.processor.model.TraceCost;
import io.agentmeter.testing.otlp.OtlpPayloads;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} re-reads its price file when it changes: a valid new file prices new traces from
 * then on (its prices kept in the ledger), a trace stored before keeps its prices, and a file with
 * issues is refused with them named while the prices in force stay.
 */
class PricesReloadTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** gpt-4o-mini at 0.10 and 0.40 per million: 100 x 0.1e-6 + 10 x 0.4e-6 = 0.000014 a call. */
  private static final BigDecimal FIRST_CALL = new BigDecimal("0.000014");
  /** At 0.20 and 0.80 per million: 100 x 0.2e-6 + 10 x 0.8e-6 = 0.000028 a call. */
  private static final BigDecimal SECOND_CALL = new BigDecimal("0.000028");

  @TempDir Path dir;

  @Test
  void aChangedPriceFileAppliesToNewTracesAndAnInvalidOneIsRefused() throws Exception {
    Path prices = dir.resolve("contract.json");
    Files.writeString(prices, file("0.10", "0.40"));
    Logs logs = Logs.capture();
    try (Processor processor = Processor.builder().setLedger(dir.resolve("l.db").toString())
        .setPrices(prices).setOtlpHttpPort(0).setOtlpGrpcPort(-1).setApiPort(0)
        .setBindHost("127.0.0.1").setTraceGrace(Duration.ofMillis(100)).start()) {
      String first = processor.pipeline().pricing();
      assertThat(first).matches("bundled@[0-9a-f]{16}\\+contract\\.json@[0-9a-f]{16}");
      assertThat(post(processor, OtlpPayloads.trace(1, 1))).isEqualTo(200);
      processor.flush();
      assertThat(total(processor, 1)).isEqualByComparingTo(FIRST_CALL);
      assertThat(reloads(processor, "applied")).isZero(); // both series from the start
      assertThat(reloads(processor, "refused")).isZero();

      // new prices, written over the file (its modification time moved on, as an editor does)
      rewrite(prices, file("0.20", "0.80"));
      await().atMost(Duration.ofSeconds(4)).until(() -> reloads(processor, "applied") == 1);
      String second = processor.pipeline().pricing();
      assertThat(second).matches("bundled@[0-9a-f]{16}\\+contract\\.json@[0-9a-f]{16}").isNotEqualTo(first);
      assertThat(processor.costStore().pricing(second)).isPresent(); // kept in the ledger
      assertThat(post(processor, OtlpPayloads.trace(2, 1))).isEqualTo(200);
      processor.flush();
      assertThat(total(processor, 2)).isEqualByComparingTo(SECOND_CALL);
      assertThat(processor.costStore().pricingOf(OtlpPayloads.traceIdHex(2))).contains(second);

      // a late call of the first trace: the trace keeps the prices it was stored with
      assertThat(post(processor, only(OtlpPayloads.trace(1, 2), 2))).isEqualTo(200);
      processor.flush();
      assertThat(total(processor, 1)).isEqualByComparingTo(FIRST_CALL.multiply(BigDecimal.valueOf(2)));
      assertThat(processor.costStore().pricingOf(OtlpPayloads.traceIdHex(1))).contains(first);

      // a price that is not a number: refused, named, and the second prices stay
      rewrite(prices, file("0.3O", "0.90"));
      await().atMost(Duration.ofSeconds(6)).until(() -> reloads(processor, "refused") == 1);
      assertThat(logs.warnings()).anySatisfy(w -> assertThat(w)
          .contains(prices + " changed but is refused, the prices of " + second + " stay in force")
          .contains("openai/gpt-4o-mini-contract"));
      assertThat(processor.pipeline().pricing()).isEqualTo(second);
      // not JSON at all: refused too
      rewrite(prices, "{\"format\": \"agentmeter.prices/v1\", \"models\": [");
      await().atMost(Duration.ofSeconds(6)).until(() -> reloads(processor, "refused") == 2);
      assertThat(post(processor, OtlpPayloads.trace(3, 1))).isEqualTo(200);
      processor.flush();
      assertThat(total(processor, 3)).isEqualByComparingTo(SECOND_CALL);
      assertThat(reloads(processor, "applied")).isEqualTo(1);
    } finally {
      logs.close();
    }
  }

  /**
   * A problem is refused only when two looks in a row see it: a file caught half-written is read
   * again, and applied once whole.
   */
  @Test
  void aFileCaughtHalfWrittenIsNotRefusedWhenTheNextLookFindsItWhole() throws Exception {
    Path prices = dir.resolve("p.json");
    Files.writeString(prices, file("0.10", "0.40"));
    io.agentmeter.processor.metrics.Metrics metrics = new io.agentmeter.processor.metrics.Metrics();
    List<String> applied = new ArrayList<>();
    try (PriceFileWatch watch = new PriceFileWatch(prices, "{}", "bundled+p.json@start",
        (pricing, load) -> applied.add(pricing.id()), metrics,
        java.time.Clock.systemDefaultZone(), Duration.ZERO)) {
      String whole = file("0.20", "0.80");
      rewrite(prices, whole.substring(0, whole.length() / 2));
      watch.check();
      assertThat(applied).isEmpty();
      assertThat(metrics.scrape()).contains("agentmeter_prices_reloads_total{result=\"refused\"} 0.0");
      rewrite(prices, whole);
      watch.check();
      assertThat(applied).hasSize(1);
      assertThat(watch.applied()).isEqualTo(applied.get(0));
      assertThat(metrics.scrape())
          .contains("agentmeter_prices_reloads_total{result=\"refused\"} 0.0")
          .contains("agentmeter_prices_reloads_total{result=\"applied\"} 1.0");
      // the same content again changes nothing
      rewrite(prices, whole);
      watch.check();
      assertThat(applied).hasSize(1);
    }
  }

  private static String file(String input, String output) {
    return """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "openai/gpt-4o-mini-contract", "provider": "openai", "match": {"names": ["gpt-4o-mini"]},
           "prices": [{"input": "%s", "output": "%s", "source": "our contract", "as_of": "2025-01-01"}]}]}
        """.formatted(input, output);
  }

  /** Writes {@code content} with a modification time later than any the file had. */
  private static void rewrite(Path file, String content) throws Exception {
    FileTime before = Files.getLastModifiedTime(file);
    Files.writeString(file, content);
    Instant later = before.toInstant().plusSeconds(1);
    if (Files.getLastModifiedTime(file).toInstant().isBefore(later)) {
      Files.setLastModifiedTime(file, FileTime.from(later));
    }
  }

  private static BigDecimal total(Processor processor, long trace) throws Exception {
    return processor.costStore().trace(OtlpPayloads.traceIdHex(trace)).map(TraceCost::total)
        .orElseThrow();
  }

  private static int post(Processor processor, ExportTraceServiceRequest request) throws Exception {
    return Loopback.post(processor.otlpHttpPort(), request);
  }

  private static long reloads(Processor processor, String result) throws Exception {
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + processor.apiPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^agentmeter_prices_reloads_total\\{result=\"" + result
        + "\"} (\\S+)$").matcher(metrics);
    assertThat(m.find()).as(result).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  /** WARNING records of the service's loggers while a test runs. */
  private static final class Logs extends Handler implements AutoCloseable {
    private final Logger root = Logger.getLogger("io.agentmeter.processor");
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();

    static Logs capture() {
      Logs logs = new Logs();
      logs.root.addHandler(logs);
      return logs;
    }

    List<String> warnings() {
      return warnings;
    }

    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      root.removeHandler(this);
    }
  }
}
