package io.agentmeter.processor;

import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;

/** Lets tests in other packages make the sample workflow trace. */
public final class WorkflowSpansAccess {
  private WorkflowSpansAccess() {}

  public static List<SpanData> make(String client) {
    return WorkflowSpans.make(client);
  }
}
