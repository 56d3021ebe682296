package io.agentmeter.processor.cli;

import io.agentmeter.processor.Pipeline;
import picocli.CommandLine.Mixin;
import io.agentmeter.processor.store.StoredSpans;
import io.agentmeter.processor.model.Batch;
import io.agentmeter.processor.otlp.DecodeException;
import io.agentmeter.processor.otlp.OtlpDecoder;
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

  @Mixin LedgerOptions ledger = new LedgerOptions();

  @Mixin EngineOptions engine = new EngineOptions();

  @Option(names = "--create-ledger",
      description = "Create the ledger if there is none at --ledger (without it, a missing ledger"
          + " is refused, so a mistyped --ledger does not start a new one).")
  boolean createLedger;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "OTLP files to ingest.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    long totalBytes = 0;
    for (Path file : files) {
      totalBytes += Files.size(file);
    }
    Progress progress = new Progress(spec.commandLine().getErr(), "replay", totalBytes);
    long doneBytes = 0;
    long accepted = 0;
    long rejected = 0;
    long stored;
    // traces close when the files are read (or past the bound), as one export would have them
    try (Pipeline pipeline = LedgerOptions.open(engine.applyTo(ledger.builder())
        .setTraceGrace(Duration.ofDays(1)).setTraceIdleTimeout(Duration.ofDays(1))
        .setMaxOpenTraces(100_000), createLedger, "To start a new ledger there, add"
            + " --create-ledger; to add to an existing one, give its file or jdbc:postgresql: URL"
            + " with --ledger (default: agentmeter-ledger.db in the working directory)")) {
      long before = StoredSpans.count(pipeline.costStore(), pipeline.requestLog());
      for (Path file : files) {
        for (ExportTraceServiceRequest request : requests(file)) {
          Batch batch = pipeline.replay(request.toByteArray());
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
      pipeline.flush();
      stored = StoredSpans.count(pipeline.costStore(), pipeline.requestLog()) - before;
    }
    long duplicate = accepted - stored;
    spec.commandLine().getOut().printf("stored %d spans (%d already in the ledger, %d rejected) in %s%n",
        stored, duplicate, rejected, ledger.ledger);
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
