package io.agentmeter.cost.benchmarks.load;

/** The shape of the load's 10-span traces (the load command's {@code --profile}). */
enum Profile {

  /**
   * A root and 9 LLM calls: the worst case for the ledger (a costed row for 9 spans in 10), the
   * load command's only trace until the mixed profile came.
   */
  llm("a root and 9 LLM calls", new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9}),

  /**
   * What real traces mostly are: a root (an HTTP server span), one LLM call, and tool, HTTP
   * client and database spans, each of those with 15 to 20 attributes.
   */
  mixed("a root, 1 LLM call and 8 tool, HTTP and database spans", new int[] {5});

  private final String description;
  private final int[] llmSpans;

  Profile(String description, int[] llmSpans) {
    this.description = description;
    this.llmSpans = llmSpans;
  }

  /** What a trace is, for the report. */
  String description() {
    return description;
  }

  /** The indexes (0 is the root) of a trace's LLM calls. */
  int[] llmSpans() {
    return llmSpans.clone();
  }
}
