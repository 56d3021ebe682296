package io.agentmeter.processor.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmeter.processor.model.IncomingSpan.DeliveryKey;
import io.agentmeter.processor.model.SpanRow;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A trace's span list reads back exactly what was written, whatever its text holds. */
class SpanListTest {

  @Test
  void spansReadBackInOrderWithNonAsciiTextAndMissingFields() {
    List<SpanList.Entry> entries = List.of(
        new SpanList.Entry(new DeliveryKey("00000000000000a1", "f1"), 7,
            new SpanRow("00000000000000a1", null, "résumé → 计划", 1L, null, null, null, null,
                null)),
        new SpanList.Entry(new DeliveryKey("00000000000000b2", "f2"), Long.MAX_VALUE,
            new SpanRow("00000000000000b2", "00000000000000a1", "chat gpt-4o", Long.MAX_VALUE,
                "researcher", "gpt-4o", "priced", "", new BigDecimal("0.000042"))));

    byte[] list = SpanList.encodeEntries(entries);

    assertThat(SpanList.decode(list)).containsExactlyElementsOf(entries);
    assertThat(SpanList.deliveries(list)).containsExactly(
        Map.entry(new DeliveryKey("00000000000000a1", "f1"), 7L),
        Map.entry(new DeliveryKey("00000000000000b2", "f2"), Long.MAX_VALUE));
    assertThat(SpanList.decode(SpanList.encodeEntries(List.of()))).isEmpty();
    assertThat(SpanList.decode(null)).isEmpty();
  }

  @Test
  void aDamagedListIsRefusedWithWhatIsWrong() {
    byte[] list = SpanList.encodeEntries(List.of(new SpanList.Entry(new DeliveryKey("a", "f"), 1,
        new SpanRow("a", null, "n", 1L, null, null, null, null, null))));
    byte[] cut = java.util.Arrays.copyOf(list, list.length - 3);
    assertThatThrownBy(() -> SpanList.decode(cut)).hasMessageContaining("cut short or damaged");
    list[0] = 9;
    assertThatThrownBy(() -> SpanList.decode(list)).hasMessageContaining("has version 9");
  }
}
