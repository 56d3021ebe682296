package io.agentmeter.processor.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 server for untrusted networks, on Netty: a few event-loop threads read every
 * connection, so a slow or stalled client holds no thread; its headers and its body must each
 * arrive in time ({@link HttpLimits}) or it is answered 408 and closed; connections are capped; a
 * body is read only after its headers were accepted ({@link Handler#head}), never past the size
 * limit (a declared length over it, with or without {@code Expect: 100-continue}, is answered 413
 * before any of it is sent), and the bodies held at once are capped. Whole requests are handed to
 * {@link Handler#handle} on a fixed pool of worker threads with a bounded queue (so the event
 * loop never waits on storage), one request at a time per connection; when the queue is full the
 * answer is 503 with {@code Retry-After}.
 */
public final class HttpServer implements AutoCloseable {

  /** What a server does with its requests. */
  public interface Handler {
    /**
     * Called on an event loop when a request's headers arrived, before its body is read: an
     * answer now (the body is then never read), or {@code null} to read the body and
     * {@link #handle} it. Must not block.
     */
    @Nullable Reply head(Request request);

    /**
     * The answer (413) to a body over the limit: its declared length ({@code declared}), or -1
     * when it was sent without one and grew past the limit. Called on an event loop.
     */
    Reply tooLarge(Request request, long declared);

    /** Answers a whole request, on a worker thread (may block). */
    Reply handle(Request request, byte[] body) throws Exception;

    /** An answer the server gives on its own: 400, 408, 414, 417, 431, 500 or 503. */
    Reply error(int status, String message);
  }

  /** A body left unread after a refusal is thrown away up to this much, then the connection is. */
  static final long DRAIN_LIMIT = 256L * 1024 * 1024;

  private static final byte[] TOO_MANY_CONNECTIONS = ("HTTP/1.1 503 Service Unavailable\r\n"
      + "Retry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\n"
      + "Connection: close\r\n\r\ntoo many open connections\n").getBytes(StandardCharsets.US_ASCII);

  final Handler handler;
  final HttpLimits limits;
  final int maxBodyBytes;
  final ThreadPoolExecutor workers;
  private final long maxBufferedBytes;
  private final AtomicLong buffered = new AtomicLong();
  private final AtomicInteger connections = new AtomicInteger();
  private final EventLoopGroup group;
  private final Channel channel;

  /**
   * Listens on {@code address}.
   *
   * @param name names the threads
   * @param maxBodyBytes the largest body read
   * @param threads worker threads that run {@link Handler#handle}; four times as many requests
   *     may wait for one
   */
  public static HttpServer start(String name, InetSocketAddress address, HttpLimits limits,
      int maxBodyBytes, int threads, Handler handler) throws IOException {
    return new HttpServer(name, address, limits, maxBodyBytes, threads, handler);
  }

  private HttpServer(String name, InetSocketAddress address, HttpLimits limits, int maxBodyBytes,
      int threads, Handler handler) throws IOException {
    this.handler = handler;
    this.limits = limits;
    this.maxBodyBytes = maxBodyBytes;
    this.maxBufferedBytes = Math.max(16L * maxBodyBytes, 64L * 1024 * 1024);
    this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(threads * 4), new DefaultThreadFactory(name, true));
    int loops = Math.max(1, Math.min(threads / 8, Runtime.getRuntime().availableProcessors()));
    this.group = new NioEventLoopGroup(loops, new DefaultThreadFactory(name + "-io", true));
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 256)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            accept(ch);
          }
        });
    try {
      this.channel = bootstrap.bind(address).syncUninterruptibly().channel();
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdown();
      // the bind's own exception (a BindException when the port is taken) arrives unchecked
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  private void accept(SocketChannel ch) {
    if (connections.incrementAndGet() > limits.maxConnections()) {
      connections.decrementAndGet();
      ch.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY_CONNECTIONS))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ch.closeFuture().addListener(f -> connections.decrementAndGet());
    Connection connection = new Connection(this);
    ch.pipeline()
        .addLast("gate", connection.gate())
        .addLast("codec", new HttpServerCodec(8_192, 16_384, 64 * 1024))
        .addLast("exchange", connection);
  }

  /** Reserves room for {@code bytes} more of bodies held in memory; false when there is none. */
  boolean reserve(long bytes) {
    if (buffered.addAndGet(bytes) > maxBufferedBytes) {
      buffered.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  void release(long bytes) {
    buffered.addAndGet(-bytes);
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /**
   * Stops accepting, lets requests being handled finish for up to a second, and closes every
   * connection.
   */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    workers.shutdown();
    try {
      workers.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
