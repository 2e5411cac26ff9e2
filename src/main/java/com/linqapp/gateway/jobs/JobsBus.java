package com.linqapp.gateway.jobs;

/** Local event-bus addresses between the job routes and the job runner (bodies: the job id as a string). */
public final class JobsBus {

  /** A job was submitted: the runner looks for work at once instead of at its next scan. */
  public static final String SUBMITTED = "gateway.jobs.submitted";
  /** A job was cancelled: its runner stops feeding it. */
  public static final String CANCELLED = "gateway.jobs.cancelled";
  /** Answers of a job were written: followers of its results read on. */
  public static final String ANSWERED = "gateway.jobs.answered";

  private JobsBus() {
  }
}
