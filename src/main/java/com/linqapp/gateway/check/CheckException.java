package com.linqapp.gateway.check;

import io.vertx.core.json.JsonObject;

/**
 * A check that ends without an answer, as data: the HTTP status (also the event-bus failure code),
 * the envelope code and message, and for 429/503 the seconds after which a retry makes sense. Every
 * adapter renders it through {@link #toEnvelope()}, so the status of a failure is decided once.
 */
public final class CheckException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final int code;
  private final Integer retryAfterSeconds;
  private final String traceId;

  public CheckException(int status, int code, String message) {
    this(status, code, message, null, null);
  }

  public CheckException(int status, int code, String message, Integer retryAfterSeconds, String traceId) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.traceId = traceId;
  }

  public static CheckException badRequest(int code, String message) {
    return new CheckException(400, code, message);
  }

  /** 429/1007: the check could not be sent before its deadline because of Linq's limit. */
  public static CheckException rateLimited(long waitMillis) {
    int seconds = secondsRoundedUp(waitMillis);
    return new CheckException(429, ErrorCodes.RATE_LIMITED,
        "Rate limited. Try again in " + seconds + " seconds.", seconds, null);
  }

  public static CheckException overloaded(String message, long retryAfterMillis) {
    return new CheckException(503, ErrorCodes.OVERLOADED, message, secondsRoundedUp(retryAfterMillis), null);
  }

  public static CheckException shuttingDown(int retryAfterSeconds) {
    return new CheckException(503, ErrorCodes.SHUTTING_DOWN, "The gateway is shutting down; retry on another instance",
        Math.max(1, retryAfterSeconds), null);
  }

  public static CheckException upstreamFailing(String detail) {
    return new CheckException(502, ErrorCodes.UPSTREAM_FAILING, "Linq kept failing after retries: " + detail);
  }

  /** 499/9008: the caller went away; nobody reads this answer, it only settles the check. */
  public static CheckException cancelled() {
    return new CheckException(499, ErrorCodes.CANCELLED, "Cancelled: the client went away");
  }

  public static CheckException upstreamTimeout() {
    return new CheckException(504, ErrorCodes.UPSTREAM_TIMEOUT, "Linq did not answer before the check's deadline");
  }

  /** Whole seconds, rounded up, at least 1: what {@code Retry-After} and {@code retry_after} carry. */
  public static int secondsRoundedUp(long millis) {
    long seconds = (Math.max(0, millis) + 999) / 1000;
    return (int) Math.max(1, Math.min(seconds, Integer.MAX_VALUE));
  }

  public int status() {
    return status;
  }

  public int code() {
    return code;
  }

  /** Seconds for {@code Retry-After}; present on every 429 and 503. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** Linq's trace id when Linq caused the failure; logged, never part of our envelope. */
  public String traceId() {
    return traceId;
  }

  /**
   * Whether a client retry could help. Answers the SDKs' {@code x-should-retry}: the gateway already
   * retried Linq's faults and waited the whole deadline, so repeating those only multiplies load; a
   * client's used-up daily budget (429/9007) lasts until midnight UTC, far beyond an SDK's retries.
   */
  public boolean retryHelps() {
    if (code == ErrorCodes.CLIENT_BUDGET_EXHAUSTED) {
      return false;
    }
    return status == 408 || status == 409 || status == 429 || status == 503;
  }

  /** Linq's error envelope: {@code {"error":{"status","code","message","retry_after"?},"success":false}}. */
  public JsonObject toEnvelope() {
    JsonObject error = new JsonObject().put("status", status).put("code", code).put("message", getMessage());
    if (retryAfterSeconds != null) {
      error.put("retry_after", retryAfterSeconds);
    }
    return new JsonObject().put("error", error).put("success", false);
  }

  /**
   * Reads an envelope back (e.g. from an event-bus failure message).
   *
   * @param status the status to use when the envelope has none
   * @return the exception, or {@code null} when the text is not an envelope
   */
  public static CheckException fromEnvelope(int status, String text) {
    try {
      JsonObject error = new JsonObject(text).getJsonObject("error");
      if (error == null) {
        return null;
      }
      Number retryAfter = error.getNumber("retry_after");
      return new CheckException(error.getInteger("status", status), error.getInteger("code", 0),
          error.getString("message", ""), retryAfter == null ? null : retryAfter.intValue(), null);
    } catch (RuntimeException notAnEnvelope) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "CheckException{" + status + "/" + code + ": " + getMessage() + '}';
  }
}
