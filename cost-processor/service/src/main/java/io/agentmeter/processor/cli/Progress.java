package io.agentmeter.processor.cli;

import java.io.PrintWriter;

/** A one-line progress bar on standard error. */
final class Progress {

  private final PrintWriter err;
  private final String label;
  private final long total;
  private long lastDrawn = -1;

  Progress(PrintWriter err, String label, long total) {
    this.err = err;
    this.label = label;
    this.total = Math.max(total, 1);
  }

  void update(long done) {
    long percent = Math.min(100, done * 100 / total);
    if (percent == lastDrawn) {
      return;
    }
    lastDrawn = percent;
    int filled = (int) (percent * 30 / 100);
    err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(30 - filled) + "] "
        + percent + "% (" + done + "/" + total + ")");
    err.flush();
  }

  void finish(long done) {
    lastDrawn = -1;
    update(done);
    err.println();
    err.flush();
  }
}
