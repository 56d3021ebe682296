package io.agentmeter.processor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The load generator's patched template encodes exactly what the message builders would. */
class LoadRequestsTest {

  @Test
  void aPatchedTemplateIsByteForByteTheBuiltRequest() {
    for (boolean random : new boolean[] {true, false}) {
      LoadCommand.Requests requests = new LoadCommand.Requests(20, random);
      for (long first : new long[] {0, 1_000_000, 1_000_020, 987_654_321_012L}) {
        assertThat(requests.make(first))
            .as("traces from %d, random ids %s", first, random)
            .isEqualTo(LoadCommand.request(first, 20, requests.startMillis, random).toByteArray());
      }
    }
  }
}
