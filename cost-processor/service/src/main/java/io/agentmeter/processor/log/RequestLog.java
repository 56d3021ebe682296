package io.agentmeter.processor.log;

import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
import java.util.Collection;
import java.util.List;

/**
 * The received-request log: every export request is appended durably before it is acknowledged,
 * and stays pending until every trace in it is rolled up and stored. After a crash, what is pending
 * is rolled up again. Implementations are thread-safe.
 */
public interface RequestLog extends AutoCloseable {

  /**
   * Appends requests in one durable write: when this returns, they survive a crash.
   *
   * @return each request's spans, carrying the id of the stored request they are in
   */
  List<List<IncomingSpan>> append(List<ReceivedRequest> requests) throws StorageException;

  /** The spans of every pending request, oldest request first. */
  List<IncomingSpan> pending() throws StorageException;

  /** The accepted spans of one stored request; empty for an unknown id. */
  List<IncomingSpan> request(long id) throws StorageException;

  /**
   * Clears the pending marks of requests whose traces are all rolled up and stored. Never throws:
   * a failure is logged and counted, and the requests stay pending (rolled up again on start,
   * which stores the same rollups).
   */
  void markDone(Collection<Long> ids);

  /** Where the log is, for people (no credentials). */
  String description();

  @Override
  void close();
}
