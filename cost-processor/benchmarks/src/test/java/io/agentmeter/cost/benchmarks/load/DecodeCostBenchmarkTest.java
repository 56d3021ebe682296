package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import io.agentmeter.processor.model.Batch;
import io.agentmeter.processor.otlp.MessageConversion;
import io.agentmeter.processor.otlp.SpanConverter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CPU per span of turning the load command's requests into spans, single-threaded, without
 * forwarding payloads (as {@code serve} runs by default): reading the bytes directly, the former
 * conversion of parsed messages (parse, convert, re-serialize each span for its fingerprint), and
 * bare protobuf parse + re-encode (the load command's baseline). Runs with
 * {@code -Dagentmeter.bench=true}, on the llm profile's requests unless
 * {@code -Dagentmeter.bench.profile=mixed}; figures in docs/benchmarks.md.
 */
class DecodeCostBenchmarkTest {

  interface Decode {
    int spans(byte[] body) throws Exception;
  }

  @Test
  void decodeCostPerSpan() throws Exception {
    assumeTrue(Boolean.getBoolean("agentmeter.bench"), "benchmarks run with -Dagentmeter.bench=true");
    Profile profile = Profile.valueOf(System.getProperty("agentmeter.bench.profile", "llm"));
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      pool.add(Traces.request(profile, i * 20L, 20, 1_764_000_000_000L, true).toByteArray());
    }
    Decode bytes = body -> SpanConverter.convert(body, false).spans().size();
    Decode messages = body -> MessageConversion.convert(ExportTraceServiceRequest.parseFrom(body),
        false).spans().size();
    Decode baseline = body -> ExportTraceServiceRequest.parseFrom(body).toByteArray().length > 0 ? 200 : 0;
    Batch check = SpanConverter.convert(pool.get(0), false);
    assertThat(check.spans()).hasSize(200);
    for (int round = 1; round <= 4; round++) {
      System.out.printf("%s round %d: bytes %,.0f ns/span, messages %,.0f ns/span, parse+encode %,.0f ns/span%n",
          profile, round, perSpan(pool, bytes), perSpan(pool, messages), perSpan(pool, baseline));
    }
  }

  private static double perSpan(List<byte[]> pool, Decode decode) throws Exception {
    ThreadMXBean bean = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long spans = 0;
    long cpu0 = bean.getCurrentThreadCpuTime();
    long until = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < until) {
      for (byte[] body : pool) {
        spans += decode.spans(body);
      }
    }
    return (bean.getCurrentThreadCpuTime() - cpu0) / (double) spans;
  }
}
