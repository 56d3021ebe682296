package io.agentmeter.processor.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.testing.otlp.OtlpPayloads;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.otlp.SpanConverter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RequestLog} does: a subclass names how to open one (empty) and how to open it
 * again after a restart, and passes these tests.
 */
public abstract class RequestLogKit {

  private RequestLog log;

  /** A new, empty log. */
  protected abstract RequestLog open() throws Exception;

  /**
   * The same log as a restarted service would open it ({@code log} is closed first if it must
   * be); a log that lives only in memory gives {@code log} itself.
   */
  protected RequestLog reopen(RequestLog log) throws Exception {
    return log;
  }

  @BeforeEach
  void openLog() throws Exception {
    log = open();
  }

  @AfterEach
  void closeLog() {
    log.close();
  }

  @Test
  void appendedRequestsAreNumberedInOrderAndTheirSpansCarryTheirNumber() throws Exception {
    ReceivedRequest first = request(1, 2);
    ReceivedRequest second = request(2, 1);
    ReceivedRequest third = request(3, 3);

    List<List<IncomingSpan>> stored = log.append(List.of(first, second));
    List<List<IncomingSpan>> later = log.append(List.of(third));

    assertThat(stored).hasSize(2);
    assertThat(later).hasSize(1);
    long a = idOf(stored.get(0));
    long b = idOf(stored.get(1));
    long c = idOf(later.get(0));
    assertThat(a).isLessThan(b);
    assertThat(b).isLessThan(c);
    assertThat(keys(stored.get(0))).isEqualTo(keys(first.spans()));
    assertThat(keys(stored.get(1))).isEqualTo(keys(second.spans()));
    assertThat(keys(later.get(0))).isEqualTo(keys(third.spans()));
    assertThat(stored.get(0)).hasSize(3);
    assertThat(later.get(0)).hasSize(4);
  }

  @Test
  void appendedRequestsArePendingOldestFirstAndSurviveARestart() throws Exception {
    ReceivedRequest first = request(1, 2);
    ReceivedRequest second = request(2, 1);
    long a = idOf(log.append(List.of(first)).get(0));
    long b = idOf(log.append(List.of(second)).get(0));

    log = reopen(log);

    List<IncomingSpan> pending = log.pending();
    assertThat(keys(pending)).isEqualTo(concat(keys(first.spans()), keys(second.spans())));
    assertThat(pending).extracting(IncomingSpan::batchId)
        .containsExactly(a, a, a, b, b);
    assertThat(keys(log.request(a))).isEqualTo(keys(first.spans()));
  }

  @Test
  void aRequestWithoutAcceptedSpansIsNeverPending() throws Exception {
    byte[] body = OtlpPayloads.trace(1, 2).toByteArray();

    List<List<IncomingSpan>> stored = log.append(List.of(new ReceivedRequest(body, List.of())));

    assertThat(stored).containsExactly(List.of());
    assertThat(log.pending()).isEmpty();
  }

  @Test
  void aStoredRequestIsReadBackDecodedFromItsBodyAndAnUnknownIdIsEmpty() throws Exception {
    ReceivedRequest first = request(1, 2);
    ReceivedRequest second = request(2, 1);
    List<List<IncomingSpan>> stored = log.append(List.of(first, second));
    long b = idOf(stored.get(1));

    List<IncomingSpan> read = log.request(b);

    assertThat(keys(read)).isEqualTo(keys(second.spans()));
    assertThat(read).extracting(IncomingSpan::batchId).containsOnly(b);
    assertThat(read).extracting(s -> s.record().traceId())
        .containsOnly(OtlpPayloads.traceIdHex(2));
    assertThat(log.request(idOf(stored.get(1)) + 1_000)).isEmpty();
  }

  @Test
  void markDoneClearsOnlyTheRequestsNamedAndKeepsThemReadable() throws Exception {
    ReceivedRequest second = request(2, 1);
    List<List<IncomingSpan>> stored = log.append(List.of(request(1, 2), second, request(3, 1)));
    long a = idOf(stored.get(0));
    long b = idOf(stored.get(1));
    long c = idOf(stored.get(2));

    log.markDone(List.of(a, c, c + 1_000));
    log.markDone(List.of());

    assertThat(keys(log.pending())).isEqualTo(keys(second.spans()));
    assertThat(log.pending()).extracting(IncomingSpan::batchId).containsOnly(b);
    assertThat(log.request(a)).hasSize(3);
    log = reopen(log);
    assertThat(log.pending()).extracting(IncomingSpan::batchId).containsOnly(b).hasSize(2);
    log.markDone(List.of(b));
    assertThat(log.pending()).isEmpty();
  }

  @Test
  void appendsFromManyThreadsAreEachNumberedOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<List<List<IncomingSpan>>>> appended = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        ReceivedRequest request = request(i, 1);
        appended.add(pool.submit(() -> log.append(List.of(request))));
      }
      Set<Long> ids = new HashSet<>();
      for (Future<List<List<IncomingSpan>>> f : appended) {
        ids.add(idOf(f.get().get(0)));
      }
      assertThat(ids).hasSize(40);
    } finally {
      pool.shutdown();
    }
    assertThat(log.pending()).hasSize(80);
  }

  @Test
  void itSaysWhereItIs() {
    assertThat(log.description()).isNotBlank();
  }

  /** Trace {@code n}'s request: a root and {@code calls} calls, every span accepted. */
  private static ReceivedRequest request(long n, int calls) throws Exception {
    byte[] body = OtlpPayloads.trace(n, calls).toByteArray();
    return new ReceivedRequest(body, SpanConverter.convert(body).spans());
  }

  /** The one stored request the spans are in. */
  private static long idOf(List<IncomingSpan> spans) {
    assertThat(spans).isNotEmpty();
    long id = spans.get(0).batchId();
    assertThat(spans).extracting(IncomingSpan::batchId).containsOnly(id);
    assertThat(id).isNotEqualTo(IncomingSpan.NOT_STORED);
    return id;
  }

  /** Each span's trace, span id and fingerprint, in order. */
  private static List<String> keys(List<IncomingSpan> spans) {
    List<String> keys = new ArrayList<>();
    for (IncomingSpan span : spans) {
      keys.add(span.record().traceId() + "/" + span.record().spanId() + "/" + span.fingerprint());
    }
    return keys;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
