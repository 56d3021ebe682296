package io.agentmeter.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.store.StoredSpans;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SDK pointed at the service with {@code OTEL_EXPORTER_OTLP_ENDPOINT} sends its metrics and
 * logs there too: both receivers accept them (200 / OK with the empty response), drop them unread
 * and count them on {@code /metrics}; nothing of them reaches the ledger. Any other path is a
 * plain-text 404 naming the paths served.
 */
class OtherSignalsTest {

  @TempDir Path dir;

  @Test
  void theSdkExportersOfMetricsAndLogsSucceedOverHttpAndGrpcAndTheirRequestsAreCountedDropped()
      throws Exception {
    try (Processor processor = start()) {
      String http = "http://127.0.0.1:" + processor.otlpHttpPort();
      String grpc = "http://127.0.0.1:" + processor.otlpGrpcPort();

      int metricExports = exportMetric(OtlpHttpMetricExporter.builder()
          .setEndpoint(http + "/v1/metrics").build())
          + exportMetric(OtlpGrpcMetricExporter.builder().setEndpoint(grpc).build());
      int logExports = exportLog(OtlpHttpLogRecordExporter.builder()
          .setEndpoint(http + "/v1/logs").build())
          + exportLog(OtlpGrpcLogRecordExporter.builder().setEndpoint(grpc).build());

      // every export the SDK made succeeded, and each was one request dropped
      assertThat(processor.metrics().scrape())
          .contains("agentmeter_otlp_dropped_requests_total{signal=\"logs\"} " + logExports
              + ".0\n")
          .contains("agentmeter_otlp_dropped_requests_total{signal=\"metrics\"} "
              + metricExports + ".0\n")
          .contains("agentmeter_spans_received_total 0.0\n");
      assertThat(StoredSpans.count(processor.costStore(), processor.requestLog())).isZero();
    }
  }

  @Test
  void theEmptyResponseIsInTheRequestsContentTypeAndOtherPathsArePlainText404s()
      throws Exception {
    try (Processor processor = start()) {
      int port = processor.otlpHttpPort();

      String metricsJson = "{\"resourceMetrics\":[]}";
      String json = exchange(port, "POST /v1/metrics HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + metricsJson.length()
          + "\r\n\r\n" + metricsJson);
      // an ExportLogsServiceRequest with one empty ResourceLogs: field 1, length 0
      String protobuf = exchange(port, "POST /v1/logs HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: application/x-protobuf\r\nContent-Length: 2\r\n\r\n\n\u0000");
      String unknown = exchange(port, "POST /v1/profiles HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n");
      String root = exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

      assertThat(json).startsWith("HTTP/1.1 200 ").contains("content-type: application/json")
          .endsWith("\r\n\r\n{}");
      assertThat(protobuf).startsWith("HTTP/1.1 200 ")
          .contains("content-type: application/x-protobuf").contains("content-length: 0")
          .endsWith("\r\n\r\n");
      for (String notFound : new String[] {unknown, root}) {
        assertThat(notFound).startsWith("HTTP/1.1 404 ")
            .contains("content-type: text/plain; charset=utf-8")
            .doesNotContain("<")
            .contains("POST /v1/traces (traces, stored and costed), and POST /v1/metrics and"
                + " POST /v1/logs (accepted and dropped: the service keeps traces only)");
      }
      assertThat(unknown).contains("no such endpoint: /v1/profiles;");
      assertThat(processor.metrics().scrape())
          .contains("agentmeter_otlp_dropped_requests_total{signal=\"logs\"} 1.0\n")
          .contains("agentmeter_otlp_dropped_requests_total{signal=\"metrics\"} 1.0\n");
    }
  }

  private Processor start() throws Exception {
    return Processor.builder().setLedger(dir.resolve("ledger.db").toString())
        .setOtlpHttpPort(0).setOtlpGrpcPort(0).setApiPort(0).setBindHost("127.0.0.1").start();
  }

  /**
   * Records one counter increment and exports it (the provider exports again when it closes);
   * how many exports there were, every one of which must have succeeded.
   */
  private static int exportMetric(MetricExporter exporter) {
    AtomicInteger successes = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    try (SdkMeterProvider meters = SdkMeterProvider.builder()
        .registerMetricReader(PeriodicMetricReader.builder(
                new MetricExporterCheck(exporter, successes, failures))
            .setInterval(Duration.ofHours(1)).build())
        .build()) {
      meters.get("test").counterBuilder("calls").build().add(1);
      meters.forceFlush().join(10, TimeUnit.SECONDS);
    }
    assertThat(failures).hasValue(0);
    assertThat(successes.get()).isPositive();
    return successes.get();
  }

  /** Emits one log record and exports it; how many exports there were, all successful. */
  private static int exportLog(LogRecordExporter exporter) {
    AtomicInteger successes = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    try (SdkLoggerProvider logs = SdkLoggerProvider.builder()
        .addLogRecordProcessor(SimpleLogRecordProcessor.create(
            new LogRecordExporterCheck(exporter, successes, failures)))
        .build()) {
      logs.get("test").logRecordBuilder().setBody("hello").setAllAttributes(Attributes.empty())
          .emit();
      logs.forceFlush().join(10, TimeUnit.SECONDS);
    }
    assertThat(failures).hasValue(0);
    assertThat(successes.get()).isPositive();
    return successes.get();
  }

  /** Sends a whole request by hand and reads the response through its body. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = RawHttp.send(port, request)) {
      return RawHttp.readResponse(socket, 5_000);
    }
  }

  /** Counts the exports that succeed and fail. */
  private record MetricExporterCheck(MetricExporter delegate, AtomicInteger successes,
      AtomicInteger failures) implements MetricExporter {
    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
      CompletableResultCode result = delegate.export(metrics).join(10, TimeUnit.SECONDS);
      (result.isSuccess() ? successes : failures).incrementAndGet();
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
      return delegate.getAggregationTemporality(instrumentType);
    }
  }

  /** Counts the exports that succeed and fail. */
  private record LogRecordExporterCheck(LogRecordExporter delegate, AtomicInteger successes,
      AtomicInteger failures) implements LogRecordExporter {
    @Override
    public CompletableResultCode export(Collection<LogRecordData> logs) {
      CompletableResultCode result = delegate.export(logs).join(10, TimeUnit.SECONDS);
      (result.isSuccess() ? successes : failures).incrementAndGet();
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
      return delegate.shutdown();
    }
  }
}
