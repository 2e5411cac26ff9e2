package com.linqapp.gateway.jobs;

import java.util.Locale;

/** Where a job is in its life; the wire name is the lower-case name. */
public enum JobStatus {
  /** Stored, no runner has taken it yet. */
  QUEUED,
  /** A runner feeds its lines to the engine. */
  RUNNING,
  /** A runner holds it but cannot make progress for now (see {@link JobPause}). */
  PAUSED,
  /** Every line has its answer. */
  COMPLETED,
  /** Cancelled by its client; the answers written so far are kept. */
  CANCELLED,
  /** Cannot go on (its stored input is unreadable). */
  FAILED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the job has ended: no runner takes it any more. */
  public boolean finished() {
    return this == COMPLETED || this == CANCELLED || this == FAILED;
  }

  public static JobStatus fromWireName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
