package com.linqapp.gateway.jobs;

/** A write carried a lease whose generation is no longer the job's: another runner took the job over. */
public final class StaleLeaseException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StaleLeaseException(Lease lease) {
    super("lease generation " + lease.generation() + " of job " + lease.jobId() + " is no longer current", null,
        false, false);
  }
}
