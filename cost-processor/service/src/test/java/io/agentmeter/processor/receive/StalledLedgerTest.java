package io.agentmeter.processor.receive;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.ingest.Ingestor;
import io.agentmeter.processor.log.InMemoryRequestLog;
import io.agentmeter.processor.log.RequestLog;
import io.agentmeter.processor.metrics.Metrics;
import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.testing.otlp.OtlpPayloads;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A stalled disk holds the ledger's write, not the sender: past the ack timeout it is answered 503
 * with a retry delay, and what the stalled write stores later is there once when the sender
 * retries.
 */
class StalledLedgerTest {

  @Test
  void aWriteThatDoesNotReturnIsAnswered503AtTheAckTimeoutAndTheRetryIsStoredOnce()
      throws Exception {
    CountDownLatch disk = new CountDownLatch(1);
    InMemoryRequestLog memory = new InMemoryRequestLog();
    RequestLog stalled = new RequestLog() {
      @Override
      public List<List<IncomingSpan>> append(List<ReceivedRequest> requests)
          throws StorageException {
        try {
          disk.await(); // the disk stalls until the test lets it go
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return memory.append(requests);
      }

      @Override
      public List<IncomingSpan> pending() throws StorageException {
        return memory.pending();
      }

      @Override
      public List<IncomingSpan> request(long id) throws StorageException {
        return memory.request(id);
      }

      @Override
      public void markDone(Collection<Long> ids) {
        memory.markDone(ids);
      }

      @Override
      public String description() {
        return "a stalled disk";
      }

      @Override
      public void close() {}
    };
    List<IncomingSpan> assembled = new CopyOnWriteArrayList<>();
    Metrics metrics = new Metrics();
    Ingestor ingestor = new Ingestor(stalled, metrics, 16, assembled::addAll, timeout -> true);
    ExportHandler handler = new ExportHandler(ingestor, metrics, 300, false);
    byte[] body = OtlpPayloads.trace(1, 3).toByteArray();

    long start = System.nanoTime();
    ExportHandler.Outcome first = handler.handle(body);
    long waitedMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(first).isInstanceOfSatisfying(ExportHandler.Unavailable.class, u -> {
      assertThat(u.retryAfterSeconds()).isEqualTo(1);
      assertThat(u.message()).contains("did not confirm in time");
    });
    assertThat(waitedMillis).isBetween(300L, 5_000L);

    disk.countDown(); // the disk comes back: the held write completes, then the sender's retry
    ExportHandler.Outcome retry = handler.handle(body);
    ingestor.close();

    assertThat(retry).isInstanceOf(ExportHandler.Accepted.class);
    // both deliveries are stored (the log keeps requests as received); the rollup counts each
    // distinct span once, as for any re-delivery
    assertThat(memory.pending()).hasSize(8);
    assertThat(assembled).hasSize(8);
    assertThat(assembled.stream().map(IncomingSpan::deliveryKey).distinct()).hasSize(4);
  }
}
