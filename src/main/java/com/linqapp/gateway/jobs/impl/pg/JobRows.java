package com.linqapp.gateway.jobs.impl.pg;

import com.linqapp.gateway.jobs.CallbackState;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobPause;
import com.linqapp.gateway.jobs.JobSpec;
import com.linqapp.gateway.jobs.JobStatus;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Rows of {@code gateway_jobs} as {@link Job}s, and instants as PostgreSQL keeps them (microseconds). */
final class JobRows {

  private JobRows() {
  }

  static Job job(Row row) {
    String reason = row.getString("pause_reason");
    JobStatus status = JobStatus.fromWireName(row.getString("status"));
    return new Job(row.getString("id"), JobSpec.fromJson(row.getJsonObject("spec")), status,
        row.getLong("total"), row.getLong("answered"), row.getLong("available"), row.getLong("errors"),
        instant(row, "created_at"), instant(row, "started_at"), instant(row, "finished_at"),
        status == JobStatus.PAUSED && reason != null
            ? new JobPause(JobPause.Reason.valueOf(reason.toUpperCase(Locale.ROOT)), instant(row, "paused_until"))
            : null,
        row.getDouble("rate"), callback(row));
  }

  /** The first row as a job, or {@code null} when there is none. */
  static Job firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : job(rows.iterator().next());
  }

  static List<Job> jobs(RowSet<Row> rows) {
    List<Job> jobs = new ArrayList<>(rows.size());
    rows.forEach(row -> jobs.add(job(row)));
    return jobs;
  }

  private static CallbackState callback(Row row) {
    String deliveryId = row.getString("callback_delivery_id");
    if (deliveryId == null) {
      return null;
    }
    return new CallbackState(deliveryId,
        CallbackState.Status.valueOf(row.getString("callback_status").toUpperCase(Locale.ROOT)),
        row.getInteger("callback_attempts"), instant(row, "callback_first_attempt_at"),
        instant(row, "callback_next_attempt_at"), row.getString("callback_last_result"));
  }

  static Instant instant(Row row, String column) {
    OffsetDateTime value = row.getOffsetDateTime(column);
    return value == null ? null : value.toInstant();
  }

  /**
   * An instant as a parameter, cut to PostgreSQL's microseconds first, so that a value written and the
   * same value compared later (a callback compare-and-set) match exactly.
   */
  static OffsetDateTime timestamp(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
  }

  static String wireName(CallbackState.Status status) {
    return status.name().toLowerCase(Locale.ROOT);
  }
}
