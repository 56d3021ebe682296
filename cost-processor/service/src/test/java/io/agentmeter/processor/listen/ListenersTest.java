package io.agentmeter.processor.listen;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmeter.processor.model.StoredRollup;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenersTest {

  @Test
  void aListenerThatThrowsIsCountedAndTheNextIsToldAllTheSame() {
    List<String> calls = new ArrayList<>();
    RollupListener failing = new RollupListener() {
      @Override
      public void stored(List<StoredRollup> rollups) {
        calls.add("first");
        throw new IllegalStateException("broken");
      }

      @Override
      public void close() {
        calls.add("first closed");
        throw new IllegalStateException("broken");
      }
    };
    RollupListener next = new RollupListener() {
      @Override
      public void stored(List<StoredRollup> rollups) {
        calls.add("second " + rollups.size());
      }

      @Override
      public void close() {
        calls.add("second closed");
      }
    };
    Listeners listeners = Listeners.of(List.of(failing, next));

    listeners.stored(List.of());
    listeners.stored(List.of());
    listeners.close();

    assertThat(calls).containsExactly("first", "second 0", "first", "second 0", "first closed",
        "second closed");
    assertThat(listeners.failures()).isEqualTo(3);
  }
}
