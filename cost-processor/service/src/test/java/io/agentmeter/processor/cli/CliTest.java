package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.testing.otlp.WorkflowSpans;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  @TempDir Path dir;

  @Test
  void replayedCollectorFileIsReportedByAgentAndReplayingAgainCountsNothingTwice() throws Exception {
    List<SpanData> spans = WorkflowSpans.make("globex");
    // A Collector file exporter writes one OTLP/JSON request per line.
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(spans.subList(0, 4)).writeJsonTo(json);
    json.write('\n');
    TraceRequestMarshaler.create(spans.subList(4, spans.size())).writeJsonTo(json);
    json.write('\n');
    Path file = dir.resolve("traces.jsonl");
    Files.write(file, json.toByteArray());
    String ledger = dir.resolve("ledger.db").toString();

    Result first = run("replay", "--ledger", ledger, "--create-ledger", file.toString());
    Result again = run("replay", "--ledger", ledger, file.toString());
    Result report = run("report", "--ledger", ledger, "--by", "agent", "--format", "csv");

    assertThat(first.code()).isZero();
    assertThat(first.out()).contains("stored " + spans.size() + " spans (0 already in the ledger, 0 rejected)");
    assertThat(first.err()).contains("replay [").contains("100%");
    assertThat(again.out()).contains("stored 0 spans (" + spans.size() + " already in the ledger");
    assertThat(report.out().lines().toList()).containsExactly(
        "agent,cost,spans,unpriced_spans,input_tokens,output_tokens",
        "researcher,0.007375,1,0,2000,300",
        "planner,0.00045,1,0,1000,500",
        "reviewer,,1,1,800,100"); // unpriced: an empty cost, never 0
  }

  @Test
  void repriceDryRunShowsTheChangeAndStoresNothing() throws Exception {
    List<SpanData> spans = WorkflowSpans.make("initech");
    Path file = dir.resolve("one.json");
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(spans).writeJsonTo(json);
    Files.write(file, json.toByteArray());
    String ledger = dir.resolve("ledger.db").toString();
    run("replay", "--ledger", ledger, "--create-ledger", file.toString());
    Path prices = dir.resolve("contract.json");
    Files.writeString(prices, """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "acme/reviewer", "provider": "acme", "match": {"names": ["acme-reviewer-7b"]},
           "prices": [{"input": "1.00", "output": "2.00", "source": "ACME contract", "as_of": "2026-11-01"}]}]}
        """);

    Result dry = run("reprice", "--ledger", ledger, "--prices", prices.toString(), "--dry-run");
    Result report = run("report", "--ledger", ledger, "--by", "model", "--format", "csv");
    Result real = run("reprice", "--ledger", ledger, "--prices", prices.toString());
    Result after = run("report", "--ledger", ledger, "--by", "model", "--format", "csv");

    // 800 x 1e-6 + 100 x 2e-6 = 0.001 more; a line per changed trace, then the summary
    assertThat(dry.out()).isEqualTo(spans.get(0).getTraceId() + "  0.007825 -> 0.008825 USD\n"
        + "dry run: 1 of 1 traces change; total 0.007825 -> 0.008825\n");
    assertThat(report.out()).contains("acme-reviewer-7b,,1,1,800,100");
    assertThat(real.out()).contains("1 of 1 traces change");
    assertThat(after.out()).contains("acme-reviewer-7b,0.001,1,0,800,100");
  }

  @Test
  void replayPricesInTheCurrencyServeWouldUse() throws Exception {
    Path file = dir.resolve("eur.json");
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(WorkflowSpans.make("initech")).writeJsonTo(json);
    Files.write(file, json.toByteArray());
    Path fx = dir.resolve("fx.csv");
    Files.writeString(fx, "2024-01-01,USD,EUR,0.5\n");
    String ledger = dir.resolve("eur.db").toString();

    Result replay = run("replay", "--ledger", ledger, "--create-ledger", "--currency", "EUR", "--fx-table",
        fx.toString(), file.toString());
    Result report = run("report", "--ledger", ledger, "--by", "model");

    assertThat(replay.code()).isZero();
    // the trace's USD 0.007825 (see the reprice test) at 0.5
    assertThat(report.out()).containsPattern("(?m)^total\\s+0.0039125\\s");
  }

  @Test
  void pricesLookupAndValidate() throws Exception {
    Result lookup = run("prices", "lookup", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "--provider", "aws.bedrock", "--date", "2026-11-01");
    Result unknown = run("prices", "lookup", "no-such-model");
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "x", "provider": "p", "match": {"names": ["x"]}, "prices": [{"input": "abc", "source": "s"}]}]}
        """);
    Result validate = run("prices", "validate", bad.toString());

    assertThat(lookup.code()).isZero();
    assertThat(lookup.out()).contains("entry:    aws.bedrock/claude-sonnet-4-5-regional")
        .contains("input 3.3, cache read 0.33, cache write 5m 4.125 / 1h 6.6, output 16.5");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.out()).contains("'no-such-model' is not in the catalogue");
    assertThat(validate.code()).isEqualTo(1);
    assertThat(validate.out()).contains("1 entries read, 0 usable, 2 issues").contains("abc");
  }

  @Test
  void pricesLookupFindsTheToolEntriesThatPriceToolCalls() throws Exception {
    Path prices = dir.resolve("tools.json");
    Files.writeString(prices, """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "acme/web-search", "provider": "acme", "kind": "tool",
           "match": {"names": ["web_search"]},
           "prices": [{"per_request": "0.01", "source": "ACME price list", "as_of": "2026-11-01"}]}]}
        """);

    Result tool = run("prices", "lookup", "web_search", "--prices", prices.toString(),
        "--date", "2026-11-02");
    Result neither = run("prices", "lookup", "web_fetch", "--prices", prices.toString());

    assertThat(tool.code()).as(tool.out() + tool.err()).isZero();
    assertThat(tool.out().lines().toList()).containsExactly(
        "entry:    acme/web-search (acme, TOOL)",
        "matched:  tool name (gen_ai.tool.name)",
        "prices:   0.01 USD per call, in force on 2026-11-02",
        "source:   ACME price list (as of 2026-11-01)");
    assertThat(neither.code()).isEqualTo(1);
    assertThat(neither.out()).contains("'web_fetch' is not in the catalogue, as a model or as a tool");
  }

  @Test
  void pricesValidateListsEveryProblemOfAPeriod() throws Exception {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, """
        {"format": "agentmeter.prices/v1", "currency": "USD", "models": [
          {"id": "x", "provider": "p", "match": {"names": ["x"]},
           "prices": [{"input": "abc", "output": "-2", "effective_from": "2026-13-01"}]}]}
        """);

    Result validate = run("prices", "validate", bad.toString());

    assertThat(validate.code()).isEqualTo(1);
    // then a line on the bundled catalogue's stale entries (how many depends on today's date)
    assertThat(validate.out().lines().toList()).hasSize(7).last().asString()
        .startsWith("bundled catalogue: ");
    assertThat(validate.out().lines().limit(6).toList()).containsExactly(
        bad + ": agentmeter format, 1 entries read, 0 usable, 5 issues",
        "  x: field ignored: prices[0] left out: effective_from \"2026-13-01\" is not a date (yyyy-mm-dd)",
        "  x: field ignored: prices[0] left out: source is missing: every figure needs one",
        "  x: field ignored: prices[0] left out: input is \"abc\", not a decimal number",
        "  x: field ignored: prices[0] left out: output is negative (-2)",
        "  x: entry skipped: no usable price period");
  }

  @Test
  void reportReplayAndRepriceRefuseAMissingLedgerAndCreateNothing() throws Exception {
    Path file = dir.resolve("one.json");
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(WorkflowSpans.make("initech")).writeJsonTo(json);
    Files.write(file, json.toByteArray());
    Path missing = dir.resolve("typo.db");

    Result report = run("report", "--ledger", missing.toString());
    Result reprice = run("reprice", "--ledger", missing.toString());
    Result replay = run("replay", "--ledger", missing.toString(), file.toString());

    String none = "agentmeter: there is no ledger at " + missing + "; nothing was created. ";
    assertThat(report.code()).isEqualTo(1);
    assertThat(report.out()).isEmpty();
    assertThat(report.err()).isEqualTo(none + "report reads the ledger serve writes: give its file"
        + " or jdbc:postgresql: URL with --ledger (default: agentmeter-ledger.db in the working"
        + " directory)\n");
    assertThat(reprice.code()).isEqualTo(1);
    assertThat(reprice.err()).isEqualTo(none + "reprice recomputes the traces of the ledger serve"
        + " writes: give its file or jdbc:postgresql: URL with --ledger (default:"
        + " agentmeter-ledger.db in the working directory)\n");
    assertThat(replay.code()).isEqualTo(1);
    assertThat(replay.err()).isEqualTo(none + "To start a new ledger there, add --create-ledger;"
        + " to add to an existing one, give its file or jdbc:postgresql: URL with --ledger"
        + " (default: agentmeter-ledger.db in the working directory)\n");
    try (var files = Files.list(dir)) {
      assertThat(files.map(Path::getFileName).map(Path::toString)).containsExactly("one.json");
    }

    Result created = run("replay", "--ledger", missing.toString(), "--create-ledger", file.toString());
    Result reported = run("report", "--ledger", missing.toString(), "--by", "model");

    assertThat(created.code()).isZero();
    // the initech trace: 0.007825 (see the reprice test)
    assertThat(reported.out()).containsPattern("(?m)^total\\s+0.007825\\s");
  }

  @Test
  void configKeysThatNoOptionHasAreRefusedNamingTheNearestValidOne() throws Exception {
    Path config = dir.resolve("agentmeter.yaml");
    Path ledger = dir.resolve("x.db");
    Files.writeString(config, "by: client\notlp-http-prot: 4319\nledger: " + ledger + "\n");

    Result result = run("report", "--config", config.toString());

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("agentmeter: config file " + config + ": 'by' is not a key,"
        + " write 'group-by' (--group-by of report: keys are long names); unknown key"
        + " 'otlp-http-prot', the nearest valid one is 'otlp-http-port' (--otlp-http-port of"
        + " serve). Keys are the options' long names without the dashes; 'agentmeter <command>"
        + " --help' lists them.\n");
    assertThat(ledger).doesNotExist();
  }

  @Test
  void oneConfigFileServesEveryCommandTheKeysOfOthersLeftToThem() throws Exception {
    Path file = dir.resolve("one.json");
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(WorkflowSpans.make("initech")).writeJsonTo(json);
    Files.write(file, json.toByteArray());
    Path config = dir.resolve("agentmeter.yaml");
    Files.writeString(config, "ledger: " + dir.resolve("ledger.db") + "\ngroup-by: model\n"
        + "format: csv\notlp-http-port: 4319\ncurrency: USD\n");

    Result replay = run("replay", "--config", config.toString(), "--create-ledger", file.toString());
    Result report = run("report", "--config", config.toString());

    assertThat(replay.code()).as(replay.err()).isZero();
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out()).startsWith("model,cost,spans,unpriced_spans,input_tokens,output_tokens\n")
        .contains("acme-reviewer-7b,,1,1,800,100");
  }

  @Test
  void badOptionValuesAreUsageErrorsThatSayWhy() {
    Result result = run("report", "--by", "colour");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("groupBy must be one of agent, task, client, model, provider, day, trace; got 'colour'");
  }

  @Test
  void theLoadTestIsNotACommandOfTheService() {
    // it lives with the benchmarks: java -jar cost-processor/benchmarks/target/agentmeter-load.jar load
    Result help = run("--help");
    Result load = run("load");

    assertThat(help.out()).contains("serve").doesNotContainPattern("(?m)^\\s+load");
    assertThat(load.code()).isEqualTo(2);
    assertThat(load.err()).contains("Unmatched argument");
  }

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = Cli.run(args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

}
