package com.linqapp.gateway.jobs;

import com.linqapp.gateway.config.JobsOptions;
import com.linqapp.gateway.jobs.impl.FileJobStore;
import com.linqapp.gateway.jobs.impl.pg.PgJobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Where durable jobs live: their input lines, their answers, their state, leases and callback deliveries.
 * Asynchronous: every operation returns a {@link Future} completed on the caller's context, so an
 * implementation may use files on a worker thread ({@code GATEWAY_JOBS_STORE=file}) or a database
 * client (PostgreSQL). Every implementation passes the same contract suite ({@code JobStoreContract}).
 *
 * <h2>Exactly one answer per line</h2>
 * {@link #appendAnswers} keeps the first answer written for an index and ignores any later one, and
 * refuses writers whose lease is stale; {@link #unanswered} gives only lines without an answer. A runner
 * that resumes a job after a crash therefore checks exactly the lines whose answers never became durable.
 *
 * <h2>Leases</h2>
 * A runner {@link #claim claims} a job before working on it and {@link #renew renews} the lease well
 * within its time to live; each claim increases the job's generation. Answer and state writes carry
 * the {@link Lease}, and a write with a superseded generation fails with {@link StaleLeaseException}
 * and changes nothing. A single-process store may grant leases trivially, but keeps these rules.
 *
 * <p>Client ownership is the caller's to check: {@link #get} returns any client's job.
 */
public interface JobStore {

  /**
   * Opens the store {@code GATEWAY_JOBS_STORE} names: the embedded file store in {@code GATEWAY_JOBS_DIR}, or
   * the PostgreSQL store every gateway of a deployment shares (its schema migrated first).
   *
   * @param clock wall time for the file store's job times, leases and callback schedules (the PostgreSQL
   *              store keeps the database's time, the one clock all gateways share)
   * @return fails with a {@link com.linqapp.gateway.config.ConfigException} when the store cannot be used
   *     as configured (a database schema newer than this gateway)
   */
  static Future<JobStore> open(Vertx vertx, JobsOptions options, Clock clock) {
    if (options.fileStore()) {
      return FileJobStore.open(vertx, Path.of(options.dir()), clock);
    }
    return PgJobStore.open(vertx, options.postgres().connectOptions(), options.dbPoolSize(), null);
  }

  // ---- submission and reading (the HTTP routes) -------------------------------------------------------

  /** Starts receiving a new job. */
  Future<JobDraft> draft(JobSpec spec);

  /** @return the job, or {@code null} when there is none (never was, or deleted by retention) */
  Future<Job> get(String id);

  /** @return the client's job submitted with this {@code Idempotency-Key}, or {@code null} */
  Future<Job> findByIdempotencyKey(String client, String key);

  /**
   * The client's jobs, newest first.
   *
   * @param beforeId only jobs older than this one (the last id of the previous page), or {@code null}
   */
  Future<List<Job>> list(String client, String beforeId, int limit);

  /** Open jobs of the client and the store's size, for the limits checked before a submission. */
  Future<StoreUsage> usage(String client);

  /** Jobs by status, every client's (for metrics); statuses without jobs may be absent. */
  Future<Map<JobStatus, Integer>> countByStatus();

  /**
   * Cancels a job that has not ended: {@link JobStatus#CANCELLED} at once; answers written so far (and
   * those its runner still writes for checks already in flight) are kept. Cancelling a job that has
   * ended changes nothing.
   *
   * @return the job afterwards, or {@code null} when there is none
   */
  Future<Job> cancel(String id);

  /**
   * Answer lines with {@code index > after}, in input order, at most {@code limit}. While the job has not
   * ended they stop before the first line still without an answer, so {@code after} is a safe cursor:
   * nothing before it is ever answered later. Once the job has ended (no more answers come), lines that
   * never got one are skipped.
   *
   * @param after {@code -1} for the first line
   */
  Future<List<JsonObject>> answers(String id, long after, int limit);

  // ---- running (one runner per job at a time, under a lease) -------------------------------------------

  /** Jobs that have not ended and whose lease is free or expired, oldest first. */
  Future<List<Job>> runnable(int limit);

  /**
   * Claims a job for {@code owner}: the job's generation increases and a new lease is returned; the
   * job's status becomes {@link JobStatus#RUNNING} (its {@code started_at} set on the first claim).
   * Fails with {@link LeaseHeldException} when another owner's lease has not expired or the job has ended.
   */
  Future<Lease> claim(String id, String owner, Duration ttl);

  /**
   * Extends the lease (also after it expired, as long as nobody claimed the job since).
   *
   * @return the extended lease; fails with {@link StaleLeaseException} when the generation is superseded
   */
  Future<Lease> renew(Lease lease, Duration ttl);

  /** Gives the job up: the next runner may claim it at once. A stale lease releases nothing. */
  Future<Void> release(Lease lease);

  /**
   * Input lines without an answer, with {@code index > after}, in input order, at most {@code limit}.
   *
   * @param after {@code -1} for the first line
   */
  Future<List<JobLine>> unanswered(String id, long after, int limit);

  /**
   * Writes final answers durably, in one batch. An index that already has an answer (or is not a line
   * of the job) keeps what it had; the rest are counted.
   *
   * @param rate the runner's recent answers per second, shown as the job's {@code rate}, or {@code null}
   * @return the job afterwards (its status shows a cancellation); fails with {@link StaleLeaseException}
   */
  Future<Job> appendAnswers(Lease lease, List<JobAnswer> answers, Double rate);

  /**
   * Sets the job's status as its runner sees it: {@link JobStatus#RUNNING}, {@link JobStatus#PAUSED}
   * (with {@code pause}), {@link JobStatus#COMPLETED} (refused with {@link IllegalStateException} unless
   * every line has its answer) or {@link JobStatus#FAILED}. A job that has ended keeps its status (a
   * cancellation wins over a runner that has not noticed it yet). When a job ends and it has a
   * {@code callback_url}, its callback becomes {@link CallbackState.Status#PENDING}, due at once.
   *
   * @return the job afterwards; fails with {@link StaleLeaseException}
   */
  Future<Job> update(Lease lease, JobStatus status, JobPause pause);

  // ---- callbacks ------------------------------------------------------------------------------------------

  /** Jobs whose callback is pending and due, soonest first. */
  Future<List<Job>> callbacksDue(int limit);

  /**
   * Compare-and-set of a job's callback state: succeeds only when the stored state equals
   * {@code expected}, so that with a shared store one gateway makes each attempt.
   *
   * @return whether the state was replaced
   */
  Future<Boolean> updateCallback(String id, CallbackState expected, CallbackState next);

  // ---- retention and lifecycle ------------------------------------------------------------------------

  /**
   * Deletes jobs that ended before {@code cutoff}, with their lines and answers.
   *
   * @return how many were deleted
   */
  Future<Integer> purgeFinishedBefore(Instant cutoff);

  /** Closes files or connections; afterwards every operation fails with {@link StoreClosedException}. */
  Future<Void> close();
}
