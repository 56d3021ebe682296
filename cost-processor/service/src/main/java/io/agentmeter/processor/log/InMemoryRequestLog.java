package io.agentmeter.processor.log;

import io.agentmeter.processor.model.IncomingSpan;
import io.agentmeter.processor.model.ReceivedRequest;
import io.agentmeter.processor.model.StorageException;
import io.agentmeter.processor.otlp.DecodeException;
import io.agentmeter.processor.otlp.SpanConverter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request log in memory, gone with the process (durable only as long as it runs): for tests,
 * tools and trying the service out. It answers as the ledger's log does: requests numbered from
 * 1 in the order appended, a request without spans never pending, and a request read back decoded
 * from its body as received. Thread-safe.
 */
public final class InMemoryRequestLog implements RequestLog {

  /** A stored request: its body as received and whether it is pending. */
  private static final class Stored {
    final byte[] body;
    boolean pending;

    Stored(byte[] body, boolean pending) {
      this.body = body;
      this.pending = pending;
    }
  }

  /** Guarded by itself. */
  private final TreeMap<Long, Stored> requests = new TreeMap<>();
  private long lastId;

  @Override
  public List<List<IncomingSpan>> append(List<ReceivedRequest> received) {
    List<List<IncomingSpan>> stored = new ArrayList<>(received.size());
    synchronized (requests) {
      for (ReceivedRequest request : received) {
        long id = ++lastId;
        requests.put(id, new Stored(request.body().clone(), !request.spans().isEmpty()));
        List<IncomingSpan> spans = new ArrayList<>(request.spans().size());
        for (IncomingSpan span : request.spans()) {
          spans.add(span.inBatch(id));
        }
        stored.add(spans);
      }
    }
    return stored;
  }

  @Override
  public List<IncomingSpan> pending() throws StorageException {
    Map<Long, byte[]> pending = new TreeMap<>();
    synchronized (requests) {
      requests.forEach((id, request) -> {
        if (request.pending) {
          pending.put(id, request.body);
        }
      });
    }
    List<IncomingSpan> result = new ArrayList<>();
    for (Map.Entry<Long, byte[]> request : pending.entrySet()) {
      result.addAll(decode(request.getKey(), request.getValue()));
    }
    return result;
  }

  @Override
  public List<IncomingSpan> request(long id) throws StorageException {
    byte[] body;
    synchronized (requests) {
      Stored stored = requests.get(id);
      if (stored == null) {
        return List.of();
      }
      body = stored.body;
    }
    return decode(id, body);
  }

  @Override
  public void markDone(Collection<Long> ids) {
    synchronized (requests) {
      for (long id : ids) {
        Stored stored = requests.get(id);
        if (stored != null) {
          stored.pending = false;
        }
      }
    }
  }

  @Override
  public String description() {
    return "in memory";
  }

  @Override
  public void close() {
    // nothing to release
  }

  private static List<IncomingSpan> decode(long id, byte[] body) throws StorageException {
    try {
      List<IncomingSpan> spans = SpanConverter.convert(body).spans();
      List<IncomingSpan> result = new ArrayList<>(spans.size());
      for (IncomingSpan span : spans) {
        result.add(span.inBatch(id));
      }
      return result;
    } catch (DecodeException e) {
      throw new StorageException("stored request " + id + " cannot be decoded", e);
    }
  }
}
