package com.linqapp.gateway.jobs;

import java.time.Instant;
import java.util.Objects;

/**
 * A runner's claim on one job. Only the holder of the job's current {@code generation} may write its
 * answers and state: every write carries the lease, and a store refuses a lease whose generation has
 * been superseded ({@link StaleLeaseException}) — the fencing token that keeps a runner that lost its
 * claim (paused too long, partitioned away) from writing over the runner that took the job over.
 *
 * @param jobId      the job
 * @param owner      the runner's id (one per gateway process)
 * @param generation increases with every claim of the job, across owners and restarts
 * @param expiresAt  after this instant another owner may claim the job unless the lease was renewed
 */
public record Lease(String jobId, String owner, long generation, Instant expiresAt) {

  public Lease {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
