package io.agentmeter.processor.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One connection's requests, one at a time, on its event loop. Its {@link #gate()} sits before
 * the HTTP decoder (it sees the first byte of a request and swallows what follows a refusal); the
 * connection itself after it. Every field is touched on the event loop only.
 */
final class Connection extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = Logger.getLogger(Connection.class.getName());

  private enum State {
    /** Between requests: the idle timeout runs. */
    IDLE,
    /** A request's first bytes came: the header timeout runs. */
    HEADERS,
    /** Its headers were accepted: the body timeout runs while the body is read. */
    BODY,
    /** Handled on a worker, or its answer being written: nothing more is read meanwhile. */
    ANSWERING,
    /** Refused and closing: what the client still sends is thrown away. */
    DISCARDING
  }

  private final HttpServer server;
  private final ArrayDeque<Object> inbox = new ArrayDeque<>();
  private @Nullable ChannelHandlerContext ctx;
  private State state = State.IDLE;
  private @Nullable ScheduledFuture<?> timer;
  private long discarded;

  // the request being read
  private @Nullable Request request;
  private boolean keepAlive;
  private boolean http10;
  private byte[] body = new byte[0];
  private int received;
  private long held;

  Connection(HttpServer server) {
    this.server = server;
  }

  /** The handler that goes before the decoder. */
  ChannelHandler gate() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext gateCtx, Object msg) {
        if (state == State.DISCARDING) {
          if (msg instanceof ByteBuf bytes) {
            discarded += bytes.readableBytes();
          }
          ReferenceCountUtil.release(msg);
          if (discarded > HttpServer.DRAIN_LIMIT) {
            gateCtx.close();
          }
          return;
        }
        if (state == State.IDLE) {
          state = State.HEADERS;
          arm(server.limits.headerTimeout(), () -> timedOut("headers"));
        }
        gateCtx.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    arm(server.limits.idleTimeout(), ctx::close);
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inbox.add(msg);
    drain();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    disarm();
    dropInbox();
    releaseBody();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.FINE, "HTTP connection failed", cause);
    ctx.close();
  }

  private void drain() {
    Object msg;
    while (state != State.ANSWERING && state != State.DISCARDING && (msg = inbox.poll()) != null) {
      try {
        if (msg instanceof HttpRequest head) {
          onHeaders(head);
        }
        if (msg instanceof HttpContent content) {
          onContent(content);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }
    if (state == State.DISCARDING) {
      dropInbox();
    }
  }

  private void onHeaders(HttpRequest head) {
    if (head.decoderResult().isFailure()) {
      Throwable cause = head.decoderResult().cause();
      int status = cause instanceof TooLongHttpLineException ? 414
          : cause instanceof TooLongHttpHeaderException ? 431 : 400;
      refuse(server.handler.error(status, "malformed request: " + cause.getMessage()));
      return;
    }
    keepAlive = HttpUtil.isKeepAlive(head);
    http10 = head.protocolVersion().equals(HttpVersion.HTTP_1_0);
    boolean hasBody = HttpUtil.isTransferEncodingChunked(head)
        || HttpUtil.getContentLength(head, 0L) > 0;
    Request parsed;
    try {
      URI uri = new URI(head.uri());
      parsed = new Request(head.method().name(), uri.getPath() == null ? "" : uri.getPath(),
          uri.getRawQuery(), head.headers());
    } catch (URISyntaxException e) {
      refuse(server.handler.error(400, "malformed request target: " + e.getMessage()));
      return;
    }
    state = State.BODY;
    arm(server.limits.bodyTimeout(), () -> timedOut("body"));
    Reply early;
    try {
      early = server.handler.head(parsed);
      long declared = HttpUtil.getContentLength(head, -1L);
      if (early == null && declared > server.maxBodyBytes) {
        early = server.handler.tooLarge(parsed, declared);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "HTTP request failed", e);
      early = server.handler.error(500, "internal error: " + e.getMessage());
    }
    String expect = head.headers().get(HttpHeaderNames.EXPECT);
    if (early == null && expect != null && !http10
        && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
      early = server.handler.error(417, "only 'Expect: 100-continue' is supported");
    }
    if (early != null) {
      if (hasBody) {
        refuse(early); // the body is never read
      } else {
        answer(early);
      }
      return;
    }
    if (HttpUtil.is100ContinueExpected(head)) {
      ctx().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    request = parsed;
    received = 0;
    body = new byte[(int) Math.min(Math.max(HttpUtil.getContentLength(head, 0L), 0),
        64 * 1024)];
  }

  private void onContent(HttpContent content) {
    Request current = request;
    if (state != State.BODY || current == null) {
      return; // the end of a request answered before its (empty) body
    }
    if (content.decoderResult().isFailure()) {
      refuse(server.handler.error(400, "malformed body: " + content.decoderResult().cause()
          .getMessage()));
      return;
    }
    ByteBuf data = content.content();
    int n = data.readableBytes();
    if (n > 0) {
      if ((long) received + n > server.maxBodyBytes) {
        refuse(server.handler.tooLarge(current, -1));
        return;
      }
      if (!server.reserve(n)) {
        refuse(server.handler.error(503, "the server holds too many request bodies; retry later")
            .with("Retry-After", "1"));
        return;
      }
      held += n;
      if (received + n > body.length) {
        body = Arrays.copyOf(body, (int) Math.min(server.maxBodyBytes,
            Math.max((long) received + n, 2L * body.length)));
      }
      data.readBytes(body, received, n);
      received += n;
    }
    if (content instanceof LastHttpContent) {
      dispatch(current, received == body.length ? body : Arrays.copyOf(body, received));
    }
  }

  /** Hands a whole request to a worker; the answer is written back on the event loop. */
  private void dispatch(Request current, byte[] whole) {
    disarm();
    state = State.ANSWERING;
    request = null;
    body = new byte[0];
    ChannelHandlerContext c = ctx();
    c.channel().config().setAutoRead(false);
    try {
      server.workers.execute(() -> {
        Reply reply;
        try {
          reply = server.handler.handle(current, whole);
        } catch (Exception | Error e) {
          LOG.log(Level.WARNING, "HTTP request failed", e);
          reply = server.handler.error(500, "internal error: " + e.getMessage());
        }
        Reply answer = reply;
        try {
          c.channel().eventLoop().execute(() -> answer(answer));
        } catch (RejectedExecutionException e) {
          // the server is shutting down: its connections are being closed
        }
      });
    } catch (RejectedExecutionException e) {
      answer(server.handler.error(503, "the server is busy; retry later")
          .with("Retry-After", "1"));
    }
  }

  /** Writes an answer and goes on to the next request (or closes, when the client asked to). */
  private void answer(Reply reply) {
    releaseBody();
    disarm();
    state = State.ANSWERING;
    ChannelHandlerContext c = ctx();
    if (!c.channel().isActive()) {
      return;
    }
    c.channel().config().setAutoRead(false);
    c.writeAndFlush(response(reply, keepAlive)).addListener(f -> {
      if (!f.isSuccess() || !keepAlive) {
        c.close();
        return;
      }
      state = State.IDLE;
      arm(server.limits.idleTimeout(), c::close);
      c.channel().config().setAutoRead(true);
      drain();
    });
  }

  /**
   * Answers before (the rest of) the body is read, then closes: the answer goes out at once, the
   * write side is shut, and what the client still sends is read and thrown away until it closes
   * (so it sees the answer, not a reset), up to a limit and the body timeout.
   */
  private void refuse(Reply reply) {
    releaseBody();
    request = null;
    body = new byte[0];
    state = State.DISCARDING;
    dropInbox();
    ChannelHandlerContext c = ctx();
    arm(server.limits.bodyTimeout(), c::close);
    c.channel().config().setAutoRead(true);
    c.writeAndFlush(response(reply, false)).addListener(f -> {
      if (f.isSuccess() && c.channel() instanceof SocketChannel socket) {
        socket.shutdownOutput();
      } else {
        c.close();
      }
    });
  }

  /** A request's headers or body did not arrive in time: 408, and the connection is closed. */
  private void timedOut(String part) {
    ChannelHandlerContext c = ctx();
    Duration limit = part.equals("headers") ? server.limits.headerTimeout()
        : server.limits.bodyTimeout();
    state = State.DISCARDING;
    releaseBody();
    dropInbox();
    c.writeAndFlush(response(server.handler.error(408, "the request's " + part
        + " did not arrive within " + limit.toMillis() + " ms"), false))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private FullHttpResponse response(Reply reply, boolean keepOpen) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
    for (Map.Entry<String, String> header : reply.headers().entrySet()) {
      response.headers().set(header.getKey(), header.getValue());
    }
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    if (!keepOpen) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    } else {
      response.headers().remove(HttpHeaderNames.CONNECTION);
    }
    return response;
  }

  private void arm(Duration delay, Runnable task) {
    disarm();
    timer = ctx().executor().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void disarm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void releaseBody() {
    if (held > 0) {
      server.release(held);
      held = 0;
    }
  }

  private void dropInbox() {
    Object msg;
    while ((msg = inbox.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  private ChannelHandlerContext ctx() {
    if (ctx == null) {
      throw new IllegalStateException("the connection is not active");
    }
    return ctx;
  }
}
