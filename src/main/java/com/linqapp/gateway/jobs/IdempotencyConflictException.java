package com.linqapp.gateway.jobs;

/** The client already used this {@code Idempotency-Key} for a different submission. */
public final class IdempotencyConflictException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String jobId;

  public IdempotencyConflictException(String jobId) {
    super("the Idempotency-Key was used for another submission (job " + jobId + ")", null, false, false);
    this.jobId = jobId;
  }

  /** The job the key belongs to. */
  public String jobId() {
    return jobId;
  }
}
