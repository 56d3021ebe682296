package io.agentmeter.cost.catalog;

/** What a catalogue entry prices. */
public enum ModelKind {
  /** Chat, text completion and generate_content calls. */
  CHAT,
  /** Embedding calls: input tokens only. */
  EMBEDDING,
  /** A tool call priced per call, matched on {@code gen_ai.tool.name}. */
  TOOL
}
