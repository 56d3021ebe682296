package io.agentmeter.cost.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The load generator's patched template encodes exactly what the message builders would. */
class LoadRequestsTest {

  @Test
  void aPatchedTemplateIsByteForByteTheBuiltRequest() {
    for (Profile profile : Profile.values()) {
      for (boolean random : new boolean[] {true, false}) {
        Requests requests = new Requests(profile, 20, random);
        for (long first : new long[] {0, 1_000_000, 1_000_020, 987_654_321_012L}) {
          assertThat(requests.make(first))
              .as("%s traces from %d, random ids %s", profile, first, random)
              .isEqualTo(Traces.request(profile, first, 20, requests.startMillis, random).toByteArray());
        }
      }
    }
  }
}
