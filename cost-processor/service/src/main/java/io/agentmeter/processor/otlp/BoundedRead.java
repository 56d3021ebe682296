package io.agentmeter.processor.otlp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads a stream into memory up to a limit, never past it. */
public final class BoundedRead {

  private BoundedRead() {}

  /** Reads a body whose length the sender declared: one exact allocation, no copies. */
  public static byte[] readExactly(InputStream in, int length) throws IOException {
    byte[] body = new byte[length];
    int read = 0;
    while (read < length) {
      int n = in.read(body, read, length - read);
      if (n < 0) {
        throw new java.io.EOFException("body ended after " + read + " of " + length + " declared bytes");
      }
      read += n;
    }
    return body;
  }

  public static byte[] readAtMost(InputStream in, int limit, String what)
      throws IOException, TooLargeException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 64 * 1024));
    byte[] buffer = new byte[16 * 1024];
    int total = 0;
    int n;
    while ((n = in.read(buffer)) >= 0) {
      total += n;
      if (total > limit) {
        throw new TooLargeException(what + " exceeds the limit of " + limit + " bytes");
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  /** {@code in}, failing with {@link Exceeded} once more than {@code limit} bytes were read. */
  public static InputStream limit(InputStream in, long limit) {
    return new java.io.FilterInputStream(in) {
      private long remaining = limit;

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0 && --remaining < 0) {
          throw new Exceeded();
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          remaining -= n;
          if (remaining < 0) {
            throw new Exceeded();
          }
        }
        return n;
      }
    };
  }

  /** The stream passed its limit. */
  public static final class Exceeded extends IOException {
    private static final long serialVersionUID = 1L;

    Exceeded() {
      super("stream exceeds its limit");
    }
  }
}
