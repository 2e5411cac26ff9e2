package com.linqapp.gateway.jobs;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Delivery of a finished job's summary to its {@code callback_url}, kept in the store so that retries
 * survive restarts and, with a shared store, are made by one gateway only ({@link JobStore#updateCallback}
 * is a compare-and-set).
 *
 * @param deliveryId     sent as {@code X-Gateway-Delivery}, the same on every attempt, so receivers can deduplicate
 * @param attempts       attempts made so far
 * @param firstAttemptAt when delivery started (retries stop a day later), or {@code null} before the first attempt
 * @param nextAttemptAt  when the next attempt is due (while {@link Status#PENDING})
 * @param lastResult     what the last attempt got: an HTTP status or a transport failure, or {@code null}
 */
public record CallbackState(String deliveryId, Status status, int attempts, Instant firstAttemptAt,
                            Instant nextAttemptAt, String lastResult) {

  /** Where a delivery stands. */
  public enum Status {
    PENDING, DELIVERED, GAVE_UP
  }

  public CallbackState {
    Objects.requireNonNull(deliveryId, "deliveryId");
    Objects.requireNonNull(status, "status");
  }

  /** A delivery due at once. */
  public static CallbackState pending(String deliveryId, Instant now) {
    return new CallbackState(deliveryId, Status.PENDING, 0, null, now, null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("delivery_id", deliveryId).put("status", status.name().toLowerCase(Locale.ROOT))
        .put("attempts", attempts).put("first_attempt_at", text(firstAttemptAt))
        .put("next_attempt_at", text(nextAttemptAt)).put("last_result", lastResult);
  }

  public static CallbackState fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    return new CallbackState(json.getString("delivery_id"),
        Status.valueOf(json.getString("status").toUpperCase(Locale.ROOT)), json.getInteger("attempts", 0),
        instant(json.getString("first_attempt_at")), instant(json.getString("next_attempt_at")),
        json.getString("last_result"));
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }
}
