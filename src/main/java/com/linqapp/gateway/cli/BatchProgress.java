package com.linqapp.gateway.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a {@code batch} run: a progress bar (done/total, checks per second, ETA) on a terminal,
 * a plain line on stderr every few seconds otherwise (logs, CI).
 */
final class BatchProgress implements AutoCloseable {

  static final long LINE_INTERVAL_MILLIS = 2_000;

  private final long total;
  private final long startDone;
  private final long startNanos = System.nanoTime();
  private final PrintStream err;
  private final ProgressBar bar;
  private long lastLine;
  private long done;

  BatchProgress(long total, long alreadyDone, boolean terminal, PrintStream err) {
    this.total = total;
    this.startDone = alreadyDone;
    this.done = alreadyDone;
    this.err = err;
    this.bar = terminal ? new ProgressBarBuilder().setTaskName("batch").setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed().startsFrom(alreadyDone,
            java.time.Duration.ZERO).setUnit(" checks", 1).continuousUpdate().build() : null;
    if (bar == null) {
      line();
    }
  }

  void update(long doneRows) {
    done = doneRows;
    if (bar != null) {
      bar.stepTo(doneRows);
    } else if (System.nanoTime() - lastLine >= LINE_INTERVAL_MILLIS * 1_000_000) {
      line();
    }
  }

  double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private void line() {
    lastLine = System.nanoTime();
    double elapsed = elapsedSeconds();
    double rate = elapsed > 0 ? (done - startDone) / elapsed : 0;
    String eta = rate > 0 ? String.format("%.0f s", (total - done) / rate) : "?";
    err.printf("batch: progress %d/%d rows (%.0f%%), %.1f checks/s, ETA %s%n", done, total,
        total == 0 ? 100.0 : 100.0 * done / total, rate, eta);
    err.flush();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    } else {
      line();
    }
  }
}
