package com.linqapp.gateway.jobs;

/** A claim on a job whose lease another owner holds and has not let expire, or on a job that has ended. */
public final class LeaseHeldException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public LeaseHeldException(String jobId) {
    super("job " + jobId + " is held by another runner or has ended", null, false, false);
  }
}
