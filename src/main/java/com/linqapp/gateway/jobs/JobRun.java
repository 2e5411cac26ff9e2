package com.linqapp.gateway.jobs;

import com.linqapp.gateway.batch.BatchChecks;
import com.linqapp.gateway.batch.BatchRunner;
import com.linqapp.gateway.batch.NdjsonLines;
import com.linqapp.gateway.batch.PagedSource;
import com.linqapp.gateway.batch.RetryingCheck;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.FailureKind;
import com.linqapp.gateway.engine.BackoffPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job running on this gateway under its {@link Lease}: its unanswered lines are read from the store a
 * page at a time ({@link PagedSource}), checked through the engine in the bulk lane behind a window
 * ({@link BatchRunner}, resized by the {@link JobRunner} to the job's share of the engine's pace), and their
 * final answers written back in batches bounded in lines and milliseconds.
 *
 * <p>Exactly one answer per line: only final answers are written (a result, or an item error); a line
 * whose check failed transiently, or was refused for the whole job for now (Linq pausing, Linq rejecting
 * the gateway's key, the client's daily budget spent), is retried after the wait it was given, keeping its
 * place in the window, and is never written as a failure. A line the run stops before answering stays
 * without an answer in the store, so the next run checks it. The store keeps the first answer of a line
 * and refuses a stale lease, so even a run that lost its lease cannot answer a line twice.
 *
 * <p>Confined to the runner verticle's context.
 */
final class JobRun {

  private static final Logger log = LoggerFactory.getLogger(JobRun.class);
  /** Lines read from the store at once (the store is one thread: fewer, larger reads). */
  static final int PAGE = 1_000;

  private final Vertx vertx;
  private final JobStore store;
  private final CapabilityClient engine;
  private final JobRunnerOptions options;
  private final Clock clock;
  private final Consumer<JobRun> onEnded;
  private final Consumer<List<JobAnswer>> onWritten;
  private final String requestId;
  private final Promise<Void> ended = Promise.promise();
  private Lease lease;
  private Job job;
  private PagedSource<JobLine> source;
  private BatchRunner<JobLine, JsonObject> runner;
  private List<JobAnswer> buffer = new ArrayList<>();
  private long flushTimer = -1;
  private long renewTimer = -1;
  private boolean flushing;
  private boolean inputDone;
  private boolean stopping;
  private boolean closed;
  private boolean pausedOutput;
  private long lastRead = -1;
  /** What the answers say about the job now, written to the store when it changes. */
  private JobPause wanted;
  private JobPause stored;
  private boolean statusWriting;
  private Double rate;
  private long lastFlushMillis;

  JobRun(Vertx vertx, JobStore store, CapabilityClient engine, JobRunnerOptions options, Clock clock, Lease lease,
         Job job, Consumer<List<JobAnswer>> onWritten, Consumer<JobRun> onEnded) {
    this.vertx = vertx;
    this.store = store;
    this.engine = engine;
    this.options = options;
    this.clock = clock;
    this.lease = lease;
    this.job = job;
    this.onWritten = onWritten;
    this.onEnded = onEnded;
    this.requestId = "job-" + job.id();
    this.stored = job.pause();
    this.wanted = job.pause();
  }

  String jobId() {
    return job.id();
  }

  String client() {
    return job.client();
  }

  /** Completes when the run has written what it will write and given up its lease. */
  Future<Void> ended() {
    return ended.future();
  }

  void start(int window) {
    JobSpec spec = job.spec();
    BatchChecks checks = new BatchChecks(engine, spec.service(), spec.client(), requestId).forJob(spec.priority(),
        options.checkTimeoutMillis(), spec.maxAgeSeconds() == null ? null : spec.maxAgeSeconds().intValue(),
        job.id());
    BatchRunner.Check<JobLine, JsonObject> once = (ignored, line) -> (line.tooLong()
        ? Future.succeededFuture(BatchChecks.unreadableLine(line.index(), spec.service().wireName(), true))
        : checks.check(line.index(), new NdjsonLines.Line(Buffer.buffer(line.text()), false)))
        .onSuccess(this::observe);
    BackoffPolicy backoff = options.retryBackoff();
    RetryingCheck<JobLine> retrying = new RetryingCheck<>(vertx, once, Integer.MAX_VALUE, backoff, () -> stopping,
        JobRun::worthRetrying);
    source = new PagedSource<>(vertx.getOrCreateContext(), max -> store.unanswered(job.id(), lastRead, max)
        .onSuccess(page -> {
          if (!page.isEmpty()) {
            lastRead = page.get(page.size() - 1).index();
          }
        }), PAGE);
    runner = new BatchRunner<>(vertx, source, window, retrying);
    runner.exceptionHandler(this::onFailure);
    runner.endHandler(v -> {
      inputDone = true;
      flush();
    });
    runner.handler(this::onLine);
    lastFlushMillis = clock.millis();
    renewTimer = vertx.setPeriodic(options.leaseTtl().toMillis() / 3, id -> renew());
  }

  /** The job's share of the engine's queue changed. */
  void window(int size) {
    if (runner != null && !closed) {
      runner.window(size);
    }
  }

  /** Items submitted to the engine and not answered yet (retries waiting included). */
  int inFlight() {
    return runner == null ? 0 : runner.inFlight();
  }

  /** Lines worth another try later: transient failures, and refusals that hold the whole job back for now. */
  static boolean worthRetrying(JsonObject error) {
    FailureKind kind = RetryingCheck.kind(error);
    int code = error.getInteger("code", 0);
    return kind == FailureKind.TRANSIENT || kind == FailureKind.FATAL && code != ErrorCodes.SHUTTING_DOWN;
  }

  /** Whether an answer line is the line's final answer (else the line stays unanswered). */
  static boolean isFinal(JsonObject line) {
    JsonObject error = line.getJsonObject("error");
    return error == null || RetryingCheck.kind(error) == FailureKind.ITEM
        && error.getInteger("code", 0) != ErrorCodes.CANCELLED;
  }

  // ---- answers ----------------------------------------------------------------------------------------------

  private void onLine(JsonObject line) {
    if (closed || !isFinal(line)) {
      return;
    }
    buffer.add(JobAnswer.of(line));
    if (buffer.size() >= options.flushLines()) {
      flush();
    } else if (flushTimer < 0) {
      flushTimer = vertx.setTimer(options.flushMillis(), id -> {
        flushTimer = -1;
        flush();
      });
    }
    if (buffer.size() >= 4 * options.flushLines() && !pausedOutput) {
      pausedOutput = true; // the store is behind: stop taking answers, and with them new lines
      runner.pause();
    }
  }

  /** Writes the buffered answers (one write at a time); at the end of the input, finishes the run. */
  private void flush() {
    if (flushing) {
      return;
    }
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    if (buffer.isEmpty()) {
      if (inputDone) {
        finish();
      }
      return;
    }
    List<JobAnswer> batch = buffer;
    buffer = new ArrayList<>();
    flushing = true;
    store.appendAnswers(lease, batch, updateRate(batch.size())).onComplete(written -> {
      flushing = false;
      if (written.failed()) {
        onStoreFailure(written.cause(), batch);
        return;
      }
      job = written.result();
      onWritten.accept(batch);
      vertx.eventBus().publish(JobsBus.ANSWERED, job.id());
      if (pausedOutput && buffer.size() < options.flushLines()) {
        pausedOutput = false;
        runner.resume();
      }
      if (job.status() == JobStatus.CANCELLED && !stopping) {
        cancelled();
      }
      if (buffer.size() >= options.flushLines() || inputDone || closed) {
        flush();
      }
    });
  }

  private Double updateRate(int written) {
    long now = clock.millis();
    double seconds = (now - lastFlushMillis) / 1000.0;
    lastFlushMillis = now;
    if (seconds > 0) {
      double instant = written / seconds;
      double weight = 1 - Math.exp(-seconds / 10);
      rate = rate == null ? instant : rate + weight * (instant - rate);
    }
    return rate;
  }

  private void onStoreFailure(Throwable failure, List<JobAnswer> batch) {
    if (failure instanceof StoreClosedException || failure instanceof java.nio.channels.ClosedChannelException) {
      log.info("Job {}: the store closed under its run; {} answers not written will be checked again", job.id(),
          batch.size() + buffer.size());
      lost();
      return;
    }
    if (failure instanceof StaleLeaseException) {
      log.warn("Job {}: its lease was taken over; this run stops without writing more", job.id());
      lost();
      return;
    }
    log.error("Job {}: writing {} answers failed ({}); retrying in 1 s", job.id(), batch.size(), failure.toString());
    batch.addAll(buffer);
    buffer = batch;
    vertx.setTimer(1_000, id -> flush());
  }

  /** Input done and every answer written: completed when every line has its answer; the lease goes back. */
  private void finish() {
    if (ended.future().isComplete() || flushing) {
      return;
    }
    Future<Job> state = job.allAnswered() && !job.status().finished()
        ? store.update(lease, JobStatus.COMPLETED, null) : Future.succeededFuture(job);
    state.onSuccess(done -> {
      if (done.status() == JobStatus.COMPLETED) {
        log.info("Job {} completed: {} lines, {} available, {} item errors", done.id(), done.total(),
            done.available(), done.errors());
      }
    }).onFailure(failure -> log.warn("Job {}: could not record its end: {}", job.id(), failure.toString()))
        .eventually(() -> release());
  }

  private Future<Void> release() {
    closed = true;
    vertx.cancelTimer(renewTimer);
    return store.release(lease).recover(failure -> {
      log.warn("Job {}: releasing its lease failed: {}", job.id(), failure.toString());
      return Future.succeededFuture();
    }).onComplete(done -> {
      ended.tryComplete();
      onEnded.accept(this);
    });
  }

  // ---- state --------------------------------------------------------------------------------------------------

  /** What an answer says about the whole job: paused (and why, until when) or running. */
  private void observe(JsonObject line) {
    JsonObject error = line.getJsonObject("error");
    if (error == null) {
      wanted = null;
    } else {
      JobPause pause = pauseFor(error, clock.instant());
      if (pause != null) {
        wanted = pause;
      }
    }
    writeStatus();
  }

  static JobPause pauseFor(JsonObject error, Instant now) {
    int status = error.getInteger("status", 0);
    int code = error.getInteger("code", 0);
    Integer retryAfter = error.getInteger("retry_after");
    Instant until = retryAfter == null ? null : now.plusSeconds(retryAfter);
    if (code == ErrorCodes.CLIENT_BUDGET_EXHAUSTED) {
      return new JobPause(JobPause.Reason.CLIENT_BUDGET_SPENT, until);
    }
    if (code == ErrorCodes.RATE_LIMITED) {
      return new JobPause(JobPause.Reason.LINQ_RATE_LIMITED, until);
    }
    if (RetryingCheck.kind(error) == FailureKind.FATAL && code != ErrorCodes.SHUTTING_DOWN) {
      return new JobPause(JobPause.Reason.LINQ_CREDENTIALS_REJECTED, until);
    }
    if (status == 504 || status == 502 && code == ErrorCodes.UPSTREAM_FAILING) {
      return new JobPause(JobPause.Reason.LINQ_FAILING, until);
    }
    return null;
  }

  /** One status write at a time, and only when the reason changes (not every answer). */
  private void writeStatus() {
    if (statusWriting || closed || sameReason(wanted, stored)) {
      return;
    }
    JobPause target = wanted;
    statusWriting = true;
    store.update(lease, target == null ? JobStatus.RUNNING : JobStatus.PAUSED, target).onComplete(done -> {
      statusWriting = false;
      if (done.succeeded()) {
        stored = target;
        job = done.result();
        if (target != null) {
          log.info("Job {} paused: {}{}", job.id(), target.reason().wireName(),
              target.until() == null ? "" : " until " + target.until());
        }
        writeStatus();
      } else if (done.cause() instanceof StaleLeaseException) {
        lost();
      }
    });
  }

  private static boolean sameReason(JobPause a, JobPause b) {
    return a == null ? b == null : b != null && a.reason() == b.reason();
  }

  private void renew() {
    if (closed) {
      return;
    }
    store.renew(lease, options.leaseTtl()).onSuccess(renewed -> lease = renewed).onFailure(failure -> {
      if (failure instanceof StaleLeaseException) {
        log.warn("Job {}: its lease was taken over; this run stops", job.id());
        lost();
      }
    });
  }

  // ---- stopping ------------------------------------------------------------------------------------------------

  /** Stops taking lines (a drain); answers to lines already submitted are still written. */
  void stopFeeding() {
    if (!stopping) {
      stopping = true;
      if (source != null) {
        source.finish();
      }
    }
  }

  /** The job was cancelled: nothing more is checked; checks already with Linq are still written. */
  void cancelled() {
    if (stopping) {
      return;
    }
    log.info("Job {} cancelled; stopping its run", job.id());
    stopFeeding();
    engine.cancel(requestId); // queued checks are withdrawn (499/9008, never written)
    vertx.setTimer(options.checkTimeoutMillis(), id -> close()); // retries waiting are not waited for
  }

  /**
   * Ends the run now: answers buffered are written, answers still coming are dropped (their lines stay
   * unanswered for the next run), the lease goes back.
   */
  Future<Void> close() {
    if (!closed) {
      stopFeeding();
      closed = true;
      if (runner != null) {
        runner.cancel();
      }
      inputDone = true;
      if (!flushing) {
        flush();
      }
    }
    return ended.future();
  }

  private void onFailure(Throwable failure) {
    log.error("Job {}: reading its lines failed ({}); the job is marked failed", job.id(), failure.toString());
    stopping = true;
    store.update(lease, JobStatus.FAILED, null).eventually(this::close);
  }

  /** The lease is gone: write nothing more, keep nothing. */
  private void lost() {
    stopping = true;
    closed = true;
    buffer.clear();
    if (runner != null) {
      runner.cancel();
    }
    vertx.cancelTimer(renewTimer);
    ended.tryComplete();
    onEnded.accept(this);
  }
}
