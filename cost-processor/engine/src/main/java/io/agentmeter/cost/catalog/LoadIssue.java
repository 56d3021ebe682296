package io.agentmeter.cost.catalog;

/**
 * Something in a catalogue file that could not be used, and why.
 *
 * @param entry the entry's key or id ({@code (file)} for the file itself)
 * @param skipped {@code true} when the whole entry was left out, {@code false} when only a field was
 * @param reason what is wrong
 */
public record LoadIssue(String entry, boolean skipped, String reason) {
  @Override
  public String toString() {
    return entry + ": " + (skipped ? "entry skipped: " : "field ignored: ") + reason;
  }
}
