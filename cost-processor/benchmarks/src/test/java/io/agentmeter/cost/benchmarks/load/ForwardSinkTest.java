package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The sink the service forwards to during a load run. */
class ForwardSinkTest {

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void decodesEveryRequestAndCountsItsSpans() throws Exception {
    byte[] twenty = Traces.request(Profile.mixed, 0, 2, 1_764_000_000_000L, true).toByteArray();
    byte[] ten = Traces.request(Profile.llm, 7, 1, 1_764_000_000_000L, false).toByteArray();
    try (ForwardSink sink = ForwardSink.start(1)) {
      assertThat(post(sink, twenty, false)).isEqualTo(200);
      assertThat(post(sink, ten, true)).isEqualTo(200);
      assertThat(post(sink, "not protobuf".getBytes(StandardCharsets.US_ASCII), false)).isEqualTo(400);
      assertThat(post(sink, ten, true)).isEqualTo(200);

      assertThat(sink.url()).startsWith("http://127.0.0.1:");
      assertThat(sink.requests()).isEqualTo(4);
      assertThat(sink.decoded()).isEqualTo(3);
      assertThat(sink.undecodable()).isEqualTo(1);
      assertThat(sink.spans()).isEqualTo(20 + 10 + 10);
      assertThat(sink.bytes()).isEqualTo(twenty.length + 2L * gzip(ten).length + "not protobuf".length());
    }
  }

  @Test
  void answersOnlyPosts() throws Exception {
    try (ForwardSink sink = ForwardSink.start(1)) {
      int status = client.send(HttpRequest.newBuilder(URI.create(sink.url() + "/v1/traces")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();

      assertThat(status).isEqualTo(405);
      assertThat(sink.requests()).isZero();
    }
  }

  private int post(ForwardSink sink, byte[] body, boolean gzip) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sink.url() + "/v1/traces"))
        .header("Content-Type", "application/x-protobuf");
    if (gzip) {
      request.header("Content-Encoding", "gzip");
    }
    return client.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(gzip ? gzip(body) : body))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static byte[] gzip(byte[] body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
      zip.write(body);
    }
    return out.toByteArray();
  }
}
