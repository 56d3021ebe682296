package io.agentmeter.processor.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.RawHttp;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The limits of {@link HttpServer} itself, over real sockets, with a handler that echoes. */
class HttpServerTest {

  private static final int MAX_BODY = 1_000;
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile boolean hold;
  private final List<Socket> sockets = new ArrayList<>();
  private @Nullable HttpServer server;

  /** Echoes the body's length; with {@code hold} set, waits until released. */
  private final HttpServer.Handler echo = new HttpServer.Handler() {
    @Override
    public @Nullable Reply head(Request request) {
      return request.path().equals("/refuse") ? Reply.text(403, "no") : null;
    }

    @Override
    public Reply tooLarge(Request request, long declared) {
      return Reply.text(413, "too large: " + declared);
    }

    @Override
    public Reply handle(Request request, byte[] body) throws Exception {
      if (hold) {
        release.await(10, TimeUnit.SECONDS);
      }
      return Reply.text(200, request.method() + " " + request.path() + " " + request.rawQuery()
          + " " + new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public Reply error(int status, String message) {
      return Reply.text(status, message);
    }
  };

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private int start(int maxConnections, int threads) throws Exception {
    server = HttpServer.start("test-http", new InetSocketAddress("127.0.0.1", 0),
        new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10),
            maxConnections), MAX_BODY, threads, echo);
    return server.port();
  }

  private Socket send(int port, String text) throws Exception {
    Socket socket = RawHttp.send(port, text);
    sockets.add(socket);
    return socket;
  }

  @Test
  void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
    int port = start(10, 2);
    Socket socket = send(port, "POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\none"
        + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n");

    assertThat(RawHttp.readResponse(socket, 5_000)).endsWith("\r\n\r\nPOST /a x=1 one\n");
    assertThat(RawHttp.readResponse(socket, 5_000)).endsWith("\r\n\r\nGET /b null \n");
    assertThat(RawHttp.readResponse(socket, 5_000)).endsWith("\r\n\r\nPOST /c null two\n");
  }

  @Test
  void anEarlyAnswerToARequestWithoutBodyKeepsTheConnection() throws Exception {
    int port = start(10, 2);
    Socket socket = send(port, "GET /refuse HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(RawHttp.readResponse(socket, 5_000)).startsWith("HTTP/1.1 403 ").endsWith("no\n");
    RawHttp.write(socket, "GET /fine HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(RawHttp.readResponse(socket, 5_000)).startsWith("HTTP/1.1 200 ");
  }

  @Test
  void aChunkedBodyThatGrowsPastTheLimitIsA413AndTheConnectionClosed() throws Exception {
    int port = start(10, 2);
    String chunk = "x".repeat(600);
    Socket socket = send(port, "POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n");

    assertThat(RawHttp.readUntilClosed(socket, 5_000)).startsWith("HTTP/1.1 413 ")
        .contains("connection: close").endsWith("too large: -1\n");
  }

  @Test
  void connectionsPastTheCapAreAnswered503AndClosed() throws Exception {
    int port = start(3, 2);
    for (int i = 0; i < 3; i++) {
      send(port, "GET / HTTP/1.1\r\n"); // each holds its connection
    }
    Thread.sleep(200);
    Socket fourth = send(port, "");

    assertThat(RawHttp.readUntilClosed(fourth, 5_000))
        .startsWith("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n")
        .endsWith("too many open connections\n");
    sockets.get(0).close();
    Thread.sleep(200);
    Socket again = send(port, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(RawHttp.readResponse(again, 5_000)).startsWith("HTTP/1.1 200 ");
  }

  @Test
  void requestsPastTheWorkersAndTheirQueueAre503WithRetryAfter() throws Exception {
    int port = start(20, 1); // one worker, four waiting
    hold = true;
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(send(port, "GET /held HTTP/1.1\r\nHost: h\r\n\r\n"));
      Thread.sleep(50);
    }
    Socket sixth = send(port, "GET /sixth HTTP/1.1\r\nHost: h\r\n\r\n");

    assertThat(RawHttp.readResponse(sixth, 5_000)).startsWith("HTTP/1.1 503 ")
        .contains("Retry-After: 1").endsWith("the server is busy; retry later\n");
    release.countDown();
    for (Socket s : held) {
      assertThat(RawHttp.readResponse(s, 5_000)).startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void malformedRequestsAreA400AndAnOverlongLineA414() throws Exception {
    int port = start(10, 2);

    assertThat(RawHttp.readUntilClosed(send(port, "NOT HTTP AT ALL\r\n\r\n"), 5_000))
        .startsWith("HTTP/1.1 400 ");
    assertThat(RawHttp.readUntilClosed(send(port, "GET /" + "a".repeat(10_000)
        + " HTTP/1.1\r\n\r\n"), 5_000)).startsWith("HTTP/1.1 414 ");
    assertThat(RawHttp.readUntilClosed(send(port, "POST / HTTP/1.1\r\nHost: h\r\n"
        + "Content-Length: 1\r\nExpect: something\r\n\r\n"), 5_000)).startsWith("HTTP/1.1 417 ");
  }
}
