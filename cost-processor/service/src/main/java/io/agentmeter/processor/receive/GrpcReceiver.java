package io.agentmeter.processor.receive;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC {@code TraceService/Export}. Messages over the size limit are refused by gRPC itself
 * (RESOURCE_EXHAUSTED); back-pressure and ledger trouble answer UNAVAILABLE, which OTLP senders
 * retry.
 */
public final class GrpcReceiver implements AutoCloseable {

  private final Server server;
  private final ExecutorService executor;

  public GrpcReceiver(InetSocketAddress address, ExportHandler handler, int maxBodyBytes,
      int threads) throws IOException {
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "agentmeter-otlp-grpc");
      t.setDaemon(true);
      return t;
    });
    this.server = NettyServerBuilder.forAddress(address)
        .maxInboundMessageSize(maxBodyBytes)
        .executor(executor)
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest request,
              StreamObserver<ExportTraceServiceResponse> response) {
            ExportHandler.Outcome outcome;
            try {
              outcome = handler.handle(request);
            } catch (RuntimeException e) {
              response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
              return;
            }
            if (outcome instanceof ExportHandler.Unavailable u) {
              Metadata trailers = new Metadata();
              response.onError(
                  Status.UNAVAILABLE.withDescription(u.message()).asRuntimeException(trailers));
              return;
            }
            response.onNext(((ExportHandler.Accepted) outcome).response());
            response.onCompleted();
          }
        })
        .build()
        .start();
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
