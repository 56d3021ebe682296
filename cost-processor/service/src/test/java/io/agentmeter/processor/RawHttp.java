package io.agentmeter.processor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 by hand over a real socket, to send exactly what a slow or hostile client sends. */
public final class RawHttp {

  private RawHttp() {}

  /** Connects to a port on loopback and sends {@code text} (ISO-8859-1). */
  public static Socket send(int port, String text) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    write(socket, text);
    return socket;
  }

  public static void write(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** Whether the server has said nothing on the socket yet and keeps it open. */
  public static boolean silent(Socket socket) throws IOException {
    socket.setSoTimeout(20);
    try {
      socket.getInputStream().read();
      return false; // an answer, or the end of the stream
    } catch (SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Everything the server sends until it closes the connection (a reset ends it too). */
  public static String readUntilClosed(Socket socket, int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    InputStream in = socket.getInputStream();
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        got.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + timeoutMillis + " ms; got: "
          + got.toString(StandardCharsets.ISO_8859_1), e);
    } catch (IOException e) {
      // reset after the answer: what came before it stands
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * One response's status line and headers (through the empty line), read a byte at a time so
   * nothing after them is consumed.
   */
  public static String readHead(Socket socket, int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    StringBuilder head = new StringBuilder();
    InputStream in = socket.getInputStream();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("closed before a whole response head; got: " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** A response's head and its body (by its Content-Length). */
  public static String readResponse(Socket socket, int timeoutMillis) throws IOException {
    String head = readHead(socket, timeoutMillis);
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    byte[] body = socket.getInputStream().readNBytes(length);
    return head + new String(body, StandardCharsets.ISO_8859_1);
  }
}
