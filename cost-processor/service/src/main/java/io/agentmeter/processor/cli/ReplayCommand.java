package io.agentmeter.processor.cli;

import io.agentmeter.cost.CostEngine;
import io.agentmeter.processor.coster.TraceCoster;
import io.agentmeter.processor.jdbc.JdbcLedger;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.store.CostStore;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.processor.model.Batch;
import io.agentmeter.processor.otlp.DecodeException;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.otlp.OtlpDecoder;
import io.agentmeter.processor.otlp.SpanConverter;
import io.agentmeter.processor.window.Closer;
import io.agentmeter.processor.window.PendingRequests;
import io.agentmeter.processor.window.TraceWindow;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code agentmeter replay}. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Ingest OTLP trace files into the ledger, as the service would have: OTLP/JSON"
        + " (one ExportTraceServiceRequest per line, as a Collector's file exporter writes, or one"
        + " per file) or protobuf (one request per file, or 4-byte length-prefixed requests)."
        + " Spans already in the ledger are not counted twice.")
final class ReplayCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of option values.")
  Path config;

  @Option(names = "--ledger", paramLabel = "FILE|URL", defaultValue = "agentmeter-ledger.db",
      description = "SQLite file (default: ${DEFAULT-VALUE}) or a jdbc:postgresql: URL.")
  String ledger;

  @Option(names = "--prices", paramLabel = "FILE", description = "Price catalogue over the bundled one.")
  Path prices;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "OTLP files to ingest.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    CostEngine engine = Catalogs.engine(prices, spec.commandLine().getErr());
    long totalBytes = 0;
    for (Path file : files) {
      totalBytes += Files.size(file);
    }
    Progress progress = new Progress(spec.commandLine().getErr(), "replay", totalBytes);
    long doneBytes = 0;
    long accepted = 0;
    long rejected = 0;
    long stored;
    PendingRequests pending = new PendingRequests();
    try (JdbcLedger l = JdbcLedger.open(ledger);
        TraceCoster coster = TraceCoster.builder(engine, l.requestLog(), l.costStore(), pending)
            .build();
        Closer closer = new Closer()) {
      // traces close only when the files are read (or for the bound)
      TraceWindow window = TraceWindow.builder(coster::cost, pending).setCloser(closer)
          .setGrace(Duration.ofDays(1)).setIdleTimeout(Duration.ofDays(1))
          .setMaxOpenTraces(100_000).build();
      closer.start(window);
      RequestLog log = l.requestLog();
      CostStore store = l.costStore();
      long before = StoredSpans.count(store, log);
      try {
        for (Path file : files) {
          for (ExportTraceServiceRequest request : requests(file)) {
            byte[] body = request.toByteArray();
            Batch batch = SpanConverter.convert(body);
            if (!batch.spans().isEmpty()) {
              window.accept(
                  log.append(List.of(new ReceivedRequest(body, batch.spans()))).get(0));
            }
            accepted += batch.spans().size();
            rejected += batch.rejected();
            if (!batch.problems().isEmpty()) {
              spec.commandLine().getErr().println("\n" + file + ": " + batch.message());
            }
          }
          doneBytes += Files.size(file);
          progress.update(doneBytes);
        }
        progress.finish(doneBytes);
      } finally {
        window.flush();
        coster.awaitStored();
      }
      stored = StoredSpans.count(store, log) - before;
    }
    long duplicate = accepted - stored;
    spec.commandLine().getOut().printf("stored %d spans (%d already in the ledger, %d rejected) in %s%n",
        stored, duplicate, rejected, ledger);
    spec.commandLine().getOut().flush();
    return rejected > 0 ? 1 : 0;
  }

  static List<ExportTraceServiceRequest> requests(Path file) throws IOException, DecodeException {
    byte[] bytes = Files.readAllBytes(file);
    List<ExportTraceServiceRequest> result = new ArrayList<>();
    int first = 0;
    while (first < bytes.length && Character.isWhitespace(bytes[first])) {
      first++;
    }
    if (first < bytes.length && bytes[first] == '{') {
      String text = new String(bytes, StandardCharsets.UTF_8);
      try {
        result.add(OtlpDecoder.json(bytes));
        return result;
      } catch (DecodeException wholeFile) {
        for (String line : text.split("\n")) {
          if (!line.isBlank()) {
            result.add(OtlpDecoder.json(line.getBytes(StandardCharsets.UTF_8)));
          }
        }
        return result;
      }
    }
    List<ExportTraceServiceRequest> framed = lengthPrefixed(bytes);
    if (framed != null) {
      return framed;
    }
    result.add(OtlpDecoder.protobuf(bytes));
    return result;
  }

  private static List<ExportTraceServiceRequest> lengthPrefixed(byte[] bytes) {
    List<ExportTraceServiceRequest> result = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int offset = 0;
      while (offset < bytes.length) {
        int length = in.readInt();
        if (length < 0 || length > bytes.length - offset - 4) {
          return null;
        }
        byte[] message = in.readNBytes(length);
        result.add(ExportTraceServiceRequest.parseFrom(message));
        offset += 4 + length;
      }
      return result.isEmpty() ? null : result;
    } catch (IOException e) {
      return null;
    }
  }
}
