package io.agentmeter.processor.model;

import java.util.List;

/**
 * The spans of one export request that can be stored, and what was wrong with the others.
 *
 * @param spans the accepted spans
 * @param rejected how many spans were rejected
 * @param problems a message per rejected span, and warnings about accepted ones (capped)
 */
public record Batch(List<IncomingSpan> spans, int rejected, List<String> problems) {
  public Batch {
    spans = List.copyOf(spans);
    problems = List.copyOf(problems);
  }

  /** One line for an OTLP {@code partial_success.error_message}, or empty. */
  public String message() {
    return String.join("; ", problems);
  }
}
