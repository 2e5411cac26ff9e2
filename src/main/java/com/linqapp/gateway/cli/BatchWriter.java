package com.linqapp.gateway.cli;

import com.linqapp.gateway.check.FailureKind;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The {@code batch} command's two sides joined by a bounded hand-over: the event loop hands answer lines in
 * ({@link #accept}, never blocking: above a high-water mark it pauses its source until the CLI thread has
 * caught up), and the CLI thread, which owns the output file, writes them ({@link #consume}). Item errors are
 * written as the row's answer; a transient failure is not (a {@code --resume} run checks the row again); a
 * fatal one stops the run.
 */
final class BatchWriter {

  private static final int HIGH_WATER = 1024;
  private static final int LOW_WATER = 256;
  private static final Object END = new Object();

  /** The run cannot go on; {@code exit} is the command's exit code. */
  private record Fatal(int exit, String message) {
  }

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final BatchOutput out;
  private final BatchProgress progress;
  private final long alreadyDone;
  private volatile boolean sourcePaused;
  private volatile Runnable resumeSource = () -> { };
  private volatile Runnable cancel = () -> { };
  private long written;
  private long available;
  private long itemErrors;

  BatchWriter(BatchOutput out, BatchProgress progress, long alreadyDone) {
    this.out = out;
    this.progress = progress;
    this.alreadyDone = alreadyDone;
  }

  /** How to stop the run (Ctrl-C, a fatal failure) and to resume a source paused at the high-water mark. */
  void controls(Runnable cancelRun, Runnable resume) {
    this.cancel = cancelRun;
    this.resumeSource = resume;
  }

  // ---- event loop side ------------------------------------------------------------------------------------

  /** An answer line; {@code pauseSource} is run when the CLI thread falls behind. */
  void accept(JsonObject line, Runnable pauseSource) {
    queue.add(line);
    if (queue.size() >= HIGH_WATER && !sourcePaused) {
      sourcePaused = true;
      pauseSource.run();
    }
  }

  /** Every row was handed in. */
  void end() {
    queue.add(END);
  }

  void fatal(int exit, String message) {
    queue.add(new Fatal(exit, message));
  }

  // ---- CLI thread side ------------------------------------------------------------------------------------

  /**
   * Writes answer lines until the end or a fatal failure, flushing whenever the queue runs dry.
   *
   * @param rowsToDo rows this run was to answer
   * @return the exit code: 0 when every row was written
   */
  int consume(long rowsToDo) throws IOException {
    while (true) {
      Object next;
      try {
        next = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancel.run();
        return ExitCodes.FAILED;
      }
      if (next == null) {
        out.flush();
        progress.update(alreadyDone + written);
        continue;
      }
      if (next == END) {
        return written == rowsToDo ? ExitCodes.OK : ExitCodes.FAILED;
      }
      if (next instanceof Fatal fatal) {
        cancel.run();
        System.err.println("batch: " + fatal.message());
        return fatal.exit();
      }
      JsonObject line = (JsonObject) next;
      JsonObject error = line.getJsonObject("error");
      FailureKind kind = error == null ? null : FailureKind.of(error);
      if (kind == FailureKind.FATAL) {
        cancel.run();
        System.err.println("batch: cannot go on: " + error.getInteger("status") + "/" + error.getInteger("code")
            + " " + error.getString("message"));
        return ExitCodes.FAILED;
      }
      if (kind != FailureKind.TRANSIENT) { // a row still failing transiently is not written: --resume checks it again
        write(line, error);
      }
      if (queue.isEmpty()) {
        out.flush();
      }
      if (sourcePaused && queue.size() <= LOW_WATER) {
        sourcePaused = false;
        resumeSource.run();
      }
      progress.update(alreadyDone + written);
    }
  }

  private void write(JsonObject line, JsonObject error) throws IOException {
    out.write(line);
    written++;
    if (error != null) {
      itemErrors++;
    } else if (Boolean.TRUE.equals(line.getBoolean("available"))) {
      available++;
    }
  }

  /** Rows written by this run. */
  long written() {
    return written;
  }

  long available() {
    return available;
  }

  long itemErrors() {
    return itemErrors;
  }
}
