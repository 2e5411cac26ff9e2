package com.linqapp.gateway.engine.pacing;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * What the adaptive pacer has learnt about Linq's limit, for one budget (the account, or one sender line): its
 * shape, and the rate and burst it allows. Rates are the whole account's (or line's), before any cluster share.
 * Exported with {@link #toJson()} and read back with {@link #fromJson}, so that another node (or a restart) can
 * start from it instead of from nothing ({@link LearningPacers#adopt}).
 *
 * @param shape         {@link Shape#UNKNOWN} until the first 429
 * @param minRate       lowest rate the answers allow, requests/s (a bucket's; a window's limit over its length)
 * @param maxRate       highest rate the answers allow ({@code Infinity} until a refusal bounds it)
 * @param burst         smallest burst the answers allow at {@code maxRate}: a bucket's, or a window's limit
 * @param windowMillis  a window's length, 0 for a bucket
 */
public record LimitEstimate(Shape shape, double minRate, double maxRate, double burst, long windowMillis) {

  /** How Linq's limit behaves. */
  public enum Shape {
    /** Nothing learnt yet. */
    UNKNOWN,
    /** A token bucket: refusals with a short, steady Retry-After; capacity refills continuously. */
    BUCKET,
    /** A fixed window: a burst of admissions ended by a long Retry-After, then all of it again. */
    WINDOW
  }

  /** Nothing learnt. */
  public static final LimitEstimate UNKNOWN = new LimitEstimate(Shape.UNKNOWN, 0, Double.POSITIVE_INFINITY, 1, 0);

  /** Relative width of the rate range: 0 when the rate is known exactly, infinite when nothing bounds it. */
  public double uncertainty() {
    return minRate > 0 ? maxRate / minRate - 1 : Double.POSITIVE_INFINITY;
  }

  public JsonObject toJson() {
    return new JsonObject().put("shape", shape.name().toLowerCase(Locale.ROOT)).put("minRate", minRate)
        .put("maxRate", Double.isInfinite(maxRate) ? null : maxRate).put("burst", burst)
        .put("windowMillis", windowMillis);
  }

  public static LimitEstimate fromJson(JsonObject json) {
    Double max = json.getDouble("maxRate");
    return new LimitEstimate(Shape.valueOf(json.getString("shape", "unknown").toUpperCase(Locale.ROOT)),
        json.getDouble("minRate", 0.0), max == null ? Double.POSITIVE_INFINITY : max, json.getDouble("burst", 1.0),
        json.getLong("windowMillis", 0L));
  }

  @Override
  public String toString() {
    return switch (shape) {
      case UNKNOWN -> "unknown";
      case BUCKET -> String.format(Locale.ROOT, "bucket %.2f-%.2f/s, burst %.0f", minRate, maxRate, burst);
      case WINDOW -> String.format(Locale.ROOT, "window %.0f per %d ms", burst, windowMillis);
    };
  }
}
