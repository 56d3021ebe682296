package io.agentmeter.cost.pricing;

/** What a span is, for billing. */
public enum SpanCategory {
  /** A model call producing text: chat, text_completion, generate_content. Billable. */
  INFERENCE,
  /** An embeddings call. Billable. */
  EMBEDDING,
  /** execute_tool: billable only when the catalogue prices the tool. */
  TOOL,
  /** invoke_agent, invoke_workflow, create_agent: never billed; usage on them is aggregate. */
  AGENT,
  /** Anything else (HTTP, database, retrieval...). */
  OTHER;

  /** Whether spans of this category are model calls whose usage is billed. */
  public boolean isModelCall() {
    return this == INFERENCE || this == EMBEDDING;
  }
}
