package com.linqapp.gateway.jobs;

import io.vertx.core.Future;
import java.util.List;

/**
 * A submission being received: its lines go to durable storage as they arrive, and the job exists for
 * readers only once {@link #commit} has completed. A draft that is neither committed nor aborted (the
 * process died) is discarded when the store opens again.
 */
public interface JobDraft {

  /** The id the job will have. */
  String id();

  /**
   * Stores lines; their indexes continue the draft's, from 0, without gaps.
   *
   * @return completes when the lines are stored (not necessarily durable before {@link #commit})
   */
  Future<Void> append(List<JobLine> lines);

  /**
   * Makes the job durable and visible, {@link JobStatus#QUEUED}. When the spec carries an
   * {@code Idempotency-Key} the client already used, the draft is discarded instead and the result is
   * that earlier job when its {@code fingerprint} is the same, else an {@link IdempotencyConflictException}.
   *
   * @param fingerprint what identifies the submission for idempotency (a hash of its options and body)
   */
  Future<Job> commit(String fingerprint);

  /** Discards everything stored for the draft. */
  Future<Void> abort();
}
