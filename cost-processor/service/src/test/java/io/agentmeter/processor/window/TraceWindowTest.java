package io.agentmeter.processor.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.cost.data.SpanRecord;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.model.ClosedTrace;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * When the trace window closes traces, on a clock the test moves: nothing here waits in real
 * time. Grace 2 s, idle timeout 30 s.
 */
class TraceWindowTest {

  private static final long SECOND = 1_000_000_000L;
  private static final String A = "0000000000000000000000000000000a";
  private static final String B = "0000000000000000000000000000000b";
  private static final String C = "0000000000000000000000000000000c";
  private static final String D = "0000000000000000000000000000000d";

  private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
  private final List<ClosedTrace> closed = new ArrayList<>();
  private final PendingRequests pending = new PendingRequests();

  private TraceWindow.Builder window() {
    return TraceWindow.builder(closed::addAll, pending).setClock(clock::get)
        .setGrace(Duration.ofSeconds(2)).setIdleTimeout(Duration.ofSeconds(30));
  }

  private void after(long millis) {
    clock.addAndGet(millis * 1_000_000L);
  }

  @Test
  void aTraceClosesTheGraceAfterItsRootOrAfterItsLastSpanIfLater() {
    TraceWindow window = window().build();
    window.accept(List.of(span(A, "a1", "a0", 1), span(A, "a0", null, 1)));
    after(1500);
    window.accept(List.of(span(A, "a2", "a0", 2)));

    after(1999); // 3.499 s after the root, 1.999 s after the last span
    window.closeDue();
    assertThat(closed).isEmpty();
    assertThat(window.openTraces()).isEqualTo(1);

    after(1);
    window.closeDue();
    assertThat(closed).hasSize(1);
    ClosedTrace trace = closed.get(0);
    assertThat(trace.traceId()).isEqualTo(A);
    assertThat(trace.spans()).extracting(s -> s.record().spanId())
        .containsExactly("a1", "a0", "a2");
    assertThat(trace.batches()).containsExactly(1L, 2L);
    assertThat(trace.complete()).isTrue();
    assertThat(trace.recovered()).isFalse();
    assertThat(window.openTraces()).isZero();
  }

  @Test
  void aTraceWithoutItsRootClosesIncompleteAfterTheIdleTimeout() {
    TraceWindow window = window().build();
    window.accept(List.of(span(A, "a1", "a0", 1)));
    after(20_000);
    window.accept(List.of(span(B, "b1", "b0", 2)));

    after(9999);
    window.closeDue();
    assertThat(closed).isEmpty();

    after(1); // 30 s after A's only span, 10 s after B's
    window.closeDue();
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    assertThat(closed.get(0).complete()).isFalse();

    after(20_000);
    window.closeDue();
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A, B);
  }

  @Test
  void overTheBoundTheOldestTracesCloseAtOnceIncompleteOnTheCloser() {
    List<Runnable> onCloser = new ArrayList<>();
    TraceWindow window = window().setMaxOpenTraces(2).setCloser(onCloser::add).build();
    window.accept(List.of(span(A, "a0", null, 1)));
    window.accept(List.of(span(B, "b0", null, 2)));
    window.accept(List.of(span(A, "a1", "a0", 3), span(C, "c0", null, 3), span(D, "d0", null, 3)));

    assertThat(window.openTraces()).isEqualTo(2);
    assertThat(closed).isEmpty(); // not on the ingest thread
    assertThat(onCloser).hasSize(1);
    onCloser.get(0).run();
    // oldest first: A opened first (a later span does not make it younger), then B
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A, B);
    assertThat(closed).extracting(ClosedTrace::complete).containsExactly(false, false);
    assertThat(closed.get(0).spans()).hasSize(2);

    window.closeAll();
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A, B, C, D);
    assertThat(closed.subList(2, 4)).extracting(ClosedTrace::complete).containsExactly(true, true);
  }

  @Test
  void aLateSpanOfATraceStoredWholeReopensItAndClosesAfterTheGrace() {
    TraceWindow window = window().build();
    window.accept(List.of(span(A, "a0", null, 1), span(B, "b1", "b0", 1)));
    after(2000);
    window.closeDue();
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    // the coster stored A complete
    pending.stored(Map.of(1L, 1), Set.of(), List.of(A));

    after(60_000); // B went idle meanwhile
    window.closeDue();
    closed.clear();
    window.accept(List.of(span(A, "a3", "a0", 2), span(B, "b2", "b0", 2)));
    assertThat(window.openTraces()).isEqualTo(2);

    after(2000);
    window.closeDue();
    // A's late span is rolled up with the stored spans of A (the coster reads them), complete;
    // B was never stored whole: it waits for its idle timeout again
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    assertThat(closed.get(0).spans()).extracting(s -> s.record().spanId()).containsExactly("a3");
    assertThat(closed.get(0).complete()).isTrue();

    after(28_000);
    window.closeDue();
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A, B);
    assertThat(closed.get(1).complete()).isFalse();
  }

  @Test
  void recoveredSpansCloseAfterTheGraceMarkedRecoveredAndIncompleteWithoutTheirRoot() {
    TraceWindow window = window().build();
    List<IncomingSpan> pendingSpans = List.of(span(A, "a1", "a0", 7), span(B, "b0", null, 7),
        span(B, "b1", "b0", 8));

    assertThat(window.recover(log(pendingSpans))).isEqualTo(2);
    assertThat(pending.requests()).isEqualTo(2);
    after(2000);
    window.closeDue();

    assertThat(closed).extracting(ClosedTrace::traceId).containsExactlyInAnyOrder(A, B);
    // not seen whole: a rollup is complete only if the root is among its spans (B's is)
    assertThat(closed).extracting(ClosedTrace::recovered).containsExactly(true, true);
    assertThat(closed).extracting(ClosedTrace::complete).containsExactly(false, false);
  }

  @Test
  void aLogThatCannotBeReadRecoversNothing() {
    TraceWindow window = window().build();
    assertThat(window.recover(log(null))).isZero();
    assertThat(window.openTraces()).isZero();
  }

  @Test
  void aRequestIsDoneOnlyOnceEveryTraceItHoldsIsStored() {
    TraceWindow window = window().build();
    window.accept(List.of(span(A, "a0", null, 5), span(B, "b0", null, 5), span(B, "b1", "b0", 6)));

    assertThat(pending.stored(Map.of(5L, 1), Set.of(), List.of(A))).isEmpty();
    // request 6's trace B failed to roll up in another group: 6 stays pending, 5 is done
    assertThat(pending.stored(Map.of(5L, 1), Set.of(6L), List.of(B))).containsExactly(5L);
    assertThat(pending.requests()).isEqualTo(1);
  }

  @Test
  void pastThreeQuartersOfTheSpanBoundTheOldestTracesCloseIncompleteWithoutWaitingForTheirRoot() {
    TraceWindow window = window().setMaxOpenSpans(4).build();
    window.accept(List.of(span(A, "a1", "a0", 1), span(A, "a2", "a0", 1)));
    window.accept(List.of(span(B, "b1", "b0", 2)));
    window.accept(List.of(span(B, "b2", "b0", 2))); // 4 open spans: past 3, but none idle
    assertThat(closed).isEmpty();

    after(2000); // a grace without spans: A and B are idle, rootless
    window.accept(List.of(span(C, "c1", "c0", 3)));

    // the oldest idle trace closes, incomplete (no root seen): 5 open spans less A's 2 is 3
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    assertThat(closed.get(0).complete()).isFalse();
    assertThat(window.openTraces()).isEqualTo(2); // B, and C just arrived
  }

  @Test
  void pastThreeQuartersOfTheBoundIdleTracesCloseOnTheTickWhenNoSpansArrive() throws Exception {
    TraceWindow window = window().setMaxOpenSpans(4).build();
    window.accept(List.of(span(A, "a1", "a0", 1), span(A, "a2", "a0", 1),
        span(B, "b1", "b0", 2), span(B, "b2", "b0", 2)));
    window.closeDue();
    assertThat(closed).isEmpty(); // not idle yet

    after(2000); // ingest waits for room: only the closer's tick can make it
    window.closeDue();

    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    assertThat(window.awaitCapacity(0)).isTrue();
  }

  @Test
  void tracesStillWaitingOutTheirGraceAreNotClosedEarlyWhenRollupsAreBehind() {
    TraceWindow window = window().setMaxOpenSpans(4).build();
    window.accept(List.of(span(A, "a0", null, 1), span(A, "a1", "a0", 1)));
    after(1000); // within A's grace: it is waiting to close, not idle
    window.accept(List.of(span(B, "b0", null, 2), span(B, "b1", "b0", 2)));

    assertThat(closed).isEmpty();
    after(1000);
    window.closeDue(); // A's grace is over: it closes complete, as usual
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    assertThat(closed.get(0).complete()).isTrue();
  }

  @Test
  void ingestWaitsForRoomWhileClosedTracesAreNotTakenDownstreamYet() throws Exception {
    List<Runnable> queued = new ArrayList<>();
    TraceWindow window = window().setMaxOpenSpans(4).setCloser(queued::add).build();
    window.accept(List.of(span(A, "a1", "a0", 1), span(A, "a2", "a0", 1)));
    assertThat(window.awaitCapacity(0)).isTrue();
    after(2000); // A is idle
    window.accept(List.of(span(B, "b1", "b0", 2), span(B, "b2", "b0", 2)));
    // A is closed for the bound but the closer has not handed it on: its spans still count
    assertThat(queued).hasSize(1);
    assertThat(window.awaitCapacity(0)).isFalse();

    queued.get(0).run();
    assertThat(closed).extracting(ClosedTrace::traceId).containsExactly(A);
    assertThat(window.awaitCapacity(0)).isTrue();
  }

  @Test
  void tracesADownstreamFailedOnAreCountedAndFreeTheirRoom() throws Exception {
    TraceWindow window = TraceWindow.builder(traces -> {
      throw new IllegalStateException("down");
    }, pending).setClock(clock::get).setMaxOpenSpans(1).build();
    window.accept(List.of(span(A, "a0", null, 1)));
    assertThat(window.awaitCapacity(0)).isFalse();

    window.closeAll();

    assertThat(window.downstreamFailures()).isEqualTo(1);
    assertThat(window.awaitCapacity(0)).isTrue();
  }

  @Test
  void theTickIsATenthOfTheGraceBetweenFiveAndTwentyMilliseconds() {
    assertThat(window().build().tick()).isEqualTo(Duration.ofMillis(20));
    assertThat(window().setGrace(Duration.ofMillis(100)).build().tick())
        .isEqualTo(Duration.ofMillis(10));
    assertThat(window().setGrace(Duration.ofMillis(10)).build().tick())
        .isEqualTo(Duration.ofMillis(5));
  }

  private static IncomingSpan span(String traceId, String spanId, @Nullable String parent,
      long batch) {
    return new IncomingSpan(new SpanRecord(traceId, spanId, parent, "op", 0, 1, false, Map.of(),
        Map.of()), spanId, new byte[0], batch);
  }

  /** A request log holding {@code spans} pending, or failing to read them when null. */
  private static RequestLog log(@Nullable List<IncomingSpan> spans) {
    return new RequestLog() {
      @Override
      public List<List<IncomingSpan>> append(List<ReceivedRequest> requests) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<IncomingSpan> pending() throws StorageException {
        if (spans == null) {
          throw new StorageException("disk gone");
        }
        return spans;
      }

      @Override
      public List<IncomingSpan> request(long id) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void markDone(Collection<Long> ids) {}

      @Override
      public String description() {
        return "test";
      }

      @Override
      public void close() {}
    };
  }
}
