package io.agentmeter.javaagent.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.core.http.Headers;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import io.agentmeter.javaagent.common.LlmSpans;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the application gets back from a raw call once we have wrapped it: the same values and
 * failures, parsing twice gives the same object, and cancelling an async call reaches the SDK.
 * (The spans themselves are checked in the integration test, with the real agent.)
 */
class RawResponsesTest {

  @Test
  void anAsyncRawCallsFutureFailsWithTheSdksOwnException() {
    CompletableFuture<HttpResponseFor<String>> sdk = new CompletableFuture<>();
    CompletableFuture<?> relayed = (CompletableFuture<?>) OpenAiHelper.wrapRawAsync(call(), sdk, null);
    IllegalStateException failure = new IllegalStateException("500");
    sdk.completeExceptionally(failure);

    assertThatThrownBy(relayed::get).isInstanceOf(ExecutionException.class).hasCause(failure);
    assertThatThrownBy(relayed::join).isInstanceOf(CompletionException.class).hasCause(failure);
  }

  @Test
  void anAsyncRawCallsFutureFailsLikeTheSdksWhenTheSdkWrappedTheFailure() {
    CompletableFuture<HttpResponseFor<String>> sdk = new CompletableFuture<>();
    CompletableFuture<?> relayed = (CompletableFuture<?>) OpenAiHelper.wrapRawAsync(call(), sdk, null);
    // a failure inside the SDK's own dependent stages arrives wrapped in a CompletionException
    IllegalStateException failure = new IllegalStateException("500");
    sdk.completeExceptionally(new CompletionException(failure));

    assertThatThrownBy(relayed::get).isInstanceOf(ExecutionException.class).hasCause(failure);
    assertThatThrownBy(relayed::join).isInstanceOf(CompletionException.class).hasCause(failure);
  }

  @Test
  void cancellingAnAsyncRawCallsFutureCancelsTheSdks() {
    CompletableFuture<HttpResponseFor<String>> sdk = new CompletableFuture<>();
    CompletableFuture<?> relayed = (CompletableFuture<?>) OpenAiHelper.wrapRawAsync(call(), sdk, null);

    assertThat(relayed.cancel(true)).isTrue();
    assertThat(sdk.isCancelled()).isTrue();
    assertThatThrownBy(relayed::join).isInstanceOf(CancellationException.class);
  }

  @Test
  void anAsyncRawResponseParsesToTheSdksValueAndKeepsItsStatusAndBody() throws Exception {
    FakeRaw<String> raw = new FakeRaw<>("the completion");
    CompletableFuture<HttpResponseFor<String>> sdk = new CompletableFuture<>();
    CompletableFuture<?> relayed = (CompletableFuture<?>) OpenAiHelper.wrapRawAsync(call(), sdk, null);
    sdk.complete(raw);

    HttpResponseFor<?> response = (HttpResponseFor<?>) relayed.get();
    assertThat(response).isNotSameAs(raw);
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.body().readAllBytes()).isEqualTo(new byte[] {42});
    assertThat(response.parse()).isEqualTo("the completion");
    response.close();
    assertThat(raw.closed).isEqualTo(1);
  }

  @Test
  void aRawStreamParsedTwiceIsOneObservedStreamWithTheSdksElements() {
    FakeStream stream = new FakeStream(List.of("Hel", "lo"));
    FakeRaw<StreamResponse<String>> raw = new FakeRaw<>(stream);
    @SuppressWarnings("unchecked")
    HttpResponseFor<StreamResponse<String>> response =
        (HttpResponseFor<StreamResponse<String>>) OpenAiHelper.wrapRawStream(call(), raw, null);

    StreamResponse<String> parsed = response.parse();
    assertThat(response.parse()).isSameAs(parsed);
    assertThat(parsed.stream().collect(Collectors.joining())).isEqualTo("Hello");
    parsed.close();
    assertThat(stream.closed).isEqualTo(1);
  }

  @Test
  void aRawCallInsideOneOfOurSpansIsLeftAsItIs() {
    FakeRaw<String> raw = new FakeRaw<>("inner");
    CompletableFuture<HttpResponseFor<String>> sdk = new CompletableFuture<>();

    // no call: the SDK's own raw call inside our span of the outer call
    assertThat(OpenAiHelper.wrapRaw(null, raw, null)).isSameAs(raw);
    assertThat(OpenAiHelper.wrapRawStream(null, raw, null)).isSameAs(raw);
    assertThat(OpenAiHelper.wrapRawAsync(null, sdk, null)).isSameAs(sdk);
    assertThat(OpenAiHelper.wrapRawAsyncStream(null, sdk, null)).isSameAs(sdk);
  }

  @Test
  void aRawParseFailureReachesTheApplication() {
    IllegalArgumentException failure = new IllegalArgumentException("bad json");
    FakeRaw<String> raw = new FakeRaw<>(null) {
      @Override
      public String parse() {
        throw failure;
      }
    };
    HttpResponseFor<?> response = (HttpResponseFor<?>) OpenAiHelper.wrapRaw(call(), raw, null);

    assertThatThrownBy(response::parse).isSameAs(failure);
  }

  private static LlmSpans.Call call() {
    // with no SDK installed the span is a no-op one, which is all these checks need
    return LlmSpans.start("test", "chat", "openai", "gpt-test");
  }

  private static class FakeRaw<T> implements HttpResponseFor<T> {
    private final T value;
    int closed;

    FakeRaw(T value) {
      this.value = value;
    }

    @Override
    public T parse() {
      return value;
    }

    @Override
    public int statusCode() {
      return 201;
    }

    @Override
    public Headers headers() {
      return Headers.builder().build();
    }

    @Override
    public InputStream body() {
      return new ByteArrayInputStream(new byte[] {42});
    }

    @Override
    public void close() {
      closed++;
    }
  }

  private static final class FakeStream implements StreamResponse<String> {
    private final List<String> elements;
    int closed;

    FakeStream(List<String> elements) {
      this.elements = elements;
    }

    @Override
    public Stream<String> stream() {
      return elements.stream();
    }

    @Override
    public void close() {
      closed++;
    }
  }
}
