package io.agentmeter.processor.forward;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * OTLP/gRPC, plaintext. The request goes as the bytes it was assembled in: the export method is
 * called with a byte marshaller rather than the generated stub, so nothing is parsed and built
 * again.
 */
final class GrpcTransport implements Transport {

  /** The codes OTLP says a client retries (RESOURCE_EXHAUSTED: a backend shedding load). */
  private static final Set<Status.Code> RETRYABLE = Set.of(Status.Code.CANCELLED,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED, Status.Code.OUT_OF_RANGE,
      Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS, Status.Code.RESOURCE_EXHAUSTED);

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try (stream) {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> EXPORT =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private final ManagedChannel channel;
  private final Duration timeout;

  GrpcTransport(String host, int port, Duration timeout) {
    this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    this.timeout = timeout;
  }

  @Override
  public Attempt export(byte[] request) throws InterruptedException {
    byte[] response;
    try {
      response = ClientCalls.blockingUnaryCall(channel, EXPORT,
          CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
          request);
    } catch (StatusRuntimeException e) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while sending");
      }
      Status.Code code = e.getStatus().getCode();
      String detail = "gRPC " + code
          + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription());
      return RETRYABLE.contains(code) ? Attempt.retry(retryDelay(e), detail)
          : Attempt.refused(detail);
    }
    ExportTracePartialSuccess partial;
    try {
      partial = ExportTraceServiceResponse.parseFrom(response).getPartialSuccess();
    } catch (InvalidProtocolBufferException e) {
      partial = ExportTracePartialSuccess.getDefaultInstance();
    }
    return Attempt.accepted(partial.getRejectedSpans(), partial.getErrorMessage());
  }

  /** The delay a {@code google.rpc.RetryInfo} in the status details asks for, if any. */
  private static @Nullable Duration retryDelay(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return null;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration delay = detail.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
        } catch (InvalidProtocolBufferException ignored) {
          return null;
        }
      }
    }
    return null;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
