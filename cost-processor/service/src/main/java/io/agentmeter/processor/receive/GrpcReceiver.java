package io.agentmeter.processor.receive;

import io.agentmeter.processor.otlp.DecodeException;

import io.agentmeter.processor.metrics.Metrics;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC {@code TraceService/Export}. Messages over the size limit are refused by gRPC itself
 * (RESOURCE_EXHAUSTED); a request that is not protobuf is INVALID_ARGUMENT; back-pressure and
 * ledger trouble answer UNAVAILABLE, which OTLP senders retry. {@code MetricsService/Export} and
 * {@code LogsService/Export} are answered OK with an empty response and their requests dropped
 * unread (counted, {@link Metrics#otlpDropped}).
 */
public final class GrpcReceiver implements AutoCloseable {

  private final Server server;
  private final ExecutorService executor;

  public GrpcReceiver(InetSocketAddress address, ExportHandler handler, Metrics metrics,
      int maxBodyBytes, int threads) throws IOException {
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "agentmeter-otlp-grpc");
      t.setDaemon(true);
      return t;
    });
    this.server = NettyServerBuilder.forAddress(address)
        .maxInboundMessageSize(maxBodyBytes)
        .executor(executor)
        .addService(ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
            .addMethod(EXPORT, ServerCalls.asyncUnaryCall(
                (byte[] request, StreamObserver<ExportTraceServiceResponse> response) ->
                    export(handler, metrics, request, response)))
            .build())
        .addService(dropping(MetricsServiceGrpc.getExportMethod(),
            ExportMetricsServiceResponse.getDefaultInstance(), "metrics", metrics))
        .addService(dropping(LogsServiceGrpc.getExportMethod(),
            ExportLogsServiceResponse.getDefaultInstance(), "logs", metrics))
        .build()
        .start();
  }

  /**
   * {@code MetricsService/Export} or {@code LogsService/Export}: an SDK pointed at the service
   * sends them too. The request is taken as its bytes, not decoded, counted as dropped, and
   * answered with the empty response.
   */
  private static <Q, R> ServerServiceDefinition dropping(MethodDescriptor<Q, R> method, R empty,
      String signal, Metrics metrics) {
    MethodDescriptor<byte[], R> raw =
        method.toBuilder(new RawBytes(), method.getResponseMarshaller()).build();
    return ServerServiceDefinition.builder(method.getServiceName())
        .addMethod(raw, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<R> response) -> {
          metrics.otlpDropped(signal);
          response.onNext(empty);
          response.onCompleted();
        }))
        .build();
  }

  /**
   * {@code TraceService/Export} with the request left as the bytes received: the handler reads
   * them without building the message, and stores them as they are.
   */
  private static final MethodDescriptor<byte[], ExportTraceServiceResponse> EXPORT =
      TraceServiceGrpc.getExportMethod().toBuilder(new RawBytes(),
          TraceServiceGrpc.getExportMethod().getResponseMarshaller()).build();

  private static void export(ExportHandler handler, Metrics metrics, byte[] request,
      StreamObserver<ExportTraceServiceResponse> response) {
    ExportHandler.Outcome outcome;
    try {
      outcome = handler.handle(request);
    } catch (DecodeException e) {
      metrics.rejected("undecodable", 0);
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    if (outcome instanceof ExportHandler.Unavailable u) {
      response.onError(Status.UNAVAILABLE.withDescription(u.message()).asRuntimeException());
      return;
    }
    response.onNext(((ExportHandler.Accepted) outcome).response());
    response.onCompleted();
  }

  /** A message as its bytes. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try (stream) {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("reading the request failed: " + e.getMessage())
            .withCause(e).asRuntimeException();
      }
    }
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    server.awaitTermination(5, TimeUnit.SECONDS);
    executor.shutdown();
  }
}
