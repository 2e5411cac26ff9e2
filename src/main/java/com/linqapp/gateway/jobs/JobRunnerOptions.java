package com.linqapp.gateway.jobs;

import com.linqapp.gateway.engine.BackoffPolicy;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the job runner works; the defaults are what {@code serve} uses, tests shorten them.
 *
 * @param checkTimeoutMillis each check's deadline: long, so a job's window (pace × deadline) can keep the
 *                           engine busy, and a 429 pause of up to this long is ridden out in the queue
 * @param flushLines         answers written at once at most (also what is bought again after a crash)
 * @param flushMillis        longest an answer waits in memory before it is written
 * @param leaseTtl           a run's lease; renewed every third of it
 * @param scanMillis         how often the store is asked for jobs to run (a submission asks at once)
 * @param queueShare         the share of {@code GATEWAY_MAX_QUEUE}, and of pace × deadline, all jobs together
 *                           may hold, so new jobs and other work are admitted next to them
 * @param retryBackoff       wait before retrying a line that failed without saying how long to wait
 */
public record JobRunnerOptions(long checkTimeoutMillis, int flushLines, long flushMillis, Duration leaseTtl,
                               long scanMillis, double queueShare, BackoffPolicy retryBackoff) {

  /** The same, with another lease time to live ({@code GATEWAY_JOBS_LEASE_SECONDS}). */
  public JobRunnerOptions withLeaseTtl(Duration ttl) {
    return new JobRunnerOptions(checkTimeoutMillis, flushLines, flushMillis, ttl, scanMillis, queueShare, retryBackoff);
  }

  public static JobRunnerOptions defaults() {
    return new JobRunnerOptions(60_000, 500, 250, Duration.ofSeconds(30), 1_000, 0.5,
        BackoffPolicy.exponentialFullJitter(1_000, 60_000, () -> ThreadLocalRandom.current().nextDouble()));
  }
}
