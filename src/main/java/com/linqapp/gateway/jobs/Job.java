package com.linqapp.gateway.jobs;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * A job as the store knows it: what was asked ({@link JobSpec}), where it stands, and its counts.
 *
 * @param id         the job's id: {@code j} followed by 26 characters that sort by creation time
 * @param total      input lines (non-blank)
 * @param answered   lines with their final answer (answers and item errors)
 * @param available  answers saying {@code available: true}
 * @param errors     item errors (bad address, bad line, Linq refusing a {@code from}...)
 * @param startedAt  when a runner first took it, or {@code null}
 * @param finishedAt when it completed, was cancelled or failed, or {@code null}
 * @param pause      why it makes no progress now, while {@link JobStatus#PAUSED}; else {@code null}
 * @param rate       answers per second its runner reports lately, or {@code null}
 * @param callback   the delivery of its summary to {@code callback_url}, once it has ended; else {@code null}
 */
public record Job(String id, JobSpec spec, JobStatus status, long total, long answered, long available, long errors,
                  Instant createdAt, Instant startedAt, Instant finishedAt, JobPause pause, Double rate,
                  CallbackState callback) {

  public Job {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public String client() {
    return spec.client();
  }

  /** Whether every line has its answer. */
  public boolean allAnswered() {
    return answered >= total;
  }

  /**
   * The job as clients see it: {@code {"id","name"?,"status","total","answered","available","errors",
   * "created_at","started_at"?,"finished_at"?,"rate"?,"eta_seconds"?,"reason"?,"paused_until"?}}.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id);
    if (spec.name() != null) {
      json.put("name", spec.name());
    }
    json.put("status", status.wireName()).put("total", total).put("answered", answered)
        .put("available", available).put("errors", errors).put("created_at", createdAt.toString());
    if (startedAt != null) {
      json.put("started_at", startedAt.toString());
    }
    if (finishedAt != null) {
      json.put("finished_at", finishedAt.toString());
    }
    if (!status.finished() && rate != null && rate > 0) {
      json.put("rate", Math.round(rate * 100) / 100.0);
      json.put("eta_seconds", (long) Math.ceil((total - answered) / rate));
    }
    if (status == JobStatus.PAUSED && pause != null) {
      json.put("reason", pause.reason().wireName());
      if (pause.until() != null) {
        json.put("paused_until", pause.until().toString());
      }
    }
    return json;
  }

  public Job withStatus(JobStatus newStatus) {
    return new Job(id, spec, newStatus, total, answered, available, errors, createdAt, startedAt, finishedAt, pause,
        rate, callback);
  }
}
