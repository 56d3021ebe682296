package io.agentmeter.processor.cli;

import java.io.PrintWriter;

/** A one-line progress bar on standard error. */
final class Progress {

  private final PrintWriter err;
  private final String label;
  private final long total;
  private long lastDrawn = -1;
  private int drawnWidth;

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
    String bar = label + " [" + "#".repeat(filled) + " ".repeat(30 - filled) + "] "
        + percent + "% (" + done + "/" + total + ")";
    err.print("\r" + bar);
    err.flush();
    drawnWidth = bar.length();
  }

  /**
   * Erases the bar, so a line written to standard output on the same terminal starts at the
   * left; the next {@link #update} draws it again.
   */
  void clearLine() {
    if (drawnWidth > 0) {
      err.print("\r" + " ".repeat(drawnWidth) + "\r");
      err.flush();
      drawnWidth = 0;
      lastDrawn = -1;
    }
  }

  void finish(long done) {
    lastDrawn = -1;
    update(done);
    err.println();
    err.flush();
    drawnWidth = 0;
  }
}
