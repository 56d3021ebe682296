package io.agentmeter.processor.forward;

import static io.agentmeter.processor.forward.ForwarderTest.settings;
import static io.agentmeter.processor.forward.ForwarderTest.spanIds;
import static io.agentmeter.processor.forward.ForwarderTest.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.agentmeter.processor.metrics.Metrics;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The forwarder over OTLP/gRPC, to a real gRPC server decoding with the generated service. */
class ForwarderGrpcTest {

  private final Metrics metrics = new Metrics();

  @Test
  void unavailableWithRetryInfoIsSentAgainAfterTheDelayAndManyTracesGoInOneRequest()
      throws Exception {
    com.google.rpc.Status unavailable = com.google.rpc.Status.newBuilder()
        .setCode(Code.UNAVAILABLE_VALUE).setMessage("warming up")
        .addDetails(Any.pack(RetryInfo.newBuilder()
            .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build()))
        .build();
    Backend backend = new Backend(n -> n == 0 ? StatusProto.toStatusException(unavailable) : null);
    try (Forwarder forwarder = new Forwarder("grpc://127.0.0.1:" + backend.port(), metrics,
        settings(100_000, 8_192, 1, 10))) {
      List<List<OutgoingSpan>> traces = traces(200, 9);
      for (List<OutgoingSpan> trace : traces) {
        forwarder.send(trace);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> forwarded() == 2_000);

      List<Span> spans = backend.accepted.stream()
          .flatMap(r -> OtlpHttpReceiver.spans(r).stream()).toList();
      assertThat(spans.stream().map(Span::getSpanId).toList())
          .containsExactlyInAnyOrderElementsOf(spanIds(traces));
      // the first request waited a second to go again; everything sent meanwhile went in one more
      assertThat(backend.calls.get()).isBetween(2, 3);
      assertThat(backend.acceptedAt.get(0) - backend.firstCallAt).isGreaterThan(950_000_000L);
      assertThat(metrics.forwardDroppedCount()).isZero();
    } finally {
      backend.server.shutdownNow();
    }
  }

  @Test
  void aRequestTheBackendCallsInvalidIsNotSentAgainAndItsSpansAreCounted() throws Exception {
    Backend backend = new Backend(n -> Status.INVALID_ARGUMENT.withDescription("no").asException());
    try (Forwarder forwarder = new Forwarder("grpc://127.0.0.1:" + backend.port(), metrics,
        settings(1_000, 100, 1, 10))) {
      forwarder.send(traces(1, 9).get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> metrics.forwardDroppedCount() == 10);
      Thread.sleep(500);
      assertThat(backend.calls.get()).isEqualTo(1);
      assertThat(forwarded()).isZero();
    } finally {
      backend.server.shutdownNow();
    }
  }

  /** Answers its {@code n}th call with the error given, or takes the request. */
  private static final class Backend {
    final List<ExportTraceServiceRequest> accepted = new CopyOnWriteArrayList<>();
    final List<Long> acceptedAt = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    volatile long firstCallAt;
    final Server server;

    Backend(IntFunction<@Nullable Exception> error) throws Exception {
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(new TraceServiceGrpc.TraceServiceImplBase() {
            @Override
            public void export(ExportTraceServiceRequest request,
                StreamObserver<ExportTraceServiceResponse> response) {
              int n = calls.getAndIncrement();
              if (n == 0) {
                firstCallAt = System.nanoTime();
              }
              Exception e = error.apply(n);
              if (e != null) {
                response.onError(e);
                return;
              }
              accepted.add(request);
              acceptedAt.add(System.nanoTime());
              response.onNext(ExportTraceServiceResponse.getDefaultInstance());
              response.onCompleted();
            }
          }).build().start();
    }

    int port() {
      return server.getPort();
    }
  }

  private long forwarded() {
    return metrics.forwardedCount();
  }
}
