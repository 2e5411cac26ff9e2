package com.linqapp.gateway.jobs;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Why a running job makes no progress for now, and until when at the earliest.
 *
 * @param until when its lines are tried again, or {@code null} when unknown
 */
public record JobPause(Reason reason, Instant until) {

  /** What holds a job back; the wire name is the lower-case name. */
  public enum Reason {
    /** Linq answers 429: the account (or line) is paused. */
    LINQ_RATE_LIMITED,
    /** Linq rejects the gateway's own key; probed until it accepts it again. */
    LINQ_CREDENTIALS_REJECTED,
    /** The client's daily budget of upstream checks is spent (until 00:00 UTC). */
    CLIENT_BUDGET_SPENT,
    /** Linq keeps failing (5xx, resets, timeouts); lines are retried with backoff. */
    LINQ_FAILING;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public JobPause {
    Objects.requireNonNull(reason, "reason");
  }

  public JsonObject toJson() {
    return new JsonObject().put("reason", reason.wireName()).put("until", until == null ? null : until.toString());
  }

  public static JobPause fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    String until = json.getString("until");
    return new JobPause(Reason.valueOf(json.getString("reason").toUpperCase(Locale.ROOT)),
        until == null ? null : Instant.parse(until));
  }
}
