package com.linqapp.gateway.check;

/**
 * Error codes of the gateway's envelope. Codes below 9000 are Linq's own (the gateway answers with
 * them where Linq would); 9xxx are the gateway's.
 */
public final class ErrorCodes {
  /** {@code address} missing or not a string (as Linq). */
  public static final int ADDRESS_MISSING = 1001;
  /** Address neither E.164 nor (iMessage only) an email (as Linq). */
  public static final int ADDRESS_INVALID = 1002;
  /** Body is not JSON (as Linq). */
  public static final int BODY_NOT_JSON = 1003;
  /** Rate limited (as Linq). */
  public static final int RATE_LIMITED = 1007;
  /** Missing or wrong key (as Linq). */
  public static final int UNAUTHORIZED = 2004;
  /** Key lacks permission (as Linq); for the gateway's own Linq key it means "credentials rejected". */
  public static final int FORBIDDEN = 2005;
  /** Linq's internal error. */
  public static final int LINQ_INTERNAL = 3006;

  /** Queue full, or the projected wait is beyond the check's deadline. */
  public static final int OVERLOADED = 9001;
  /** The gateway is shutting down (or not started yet). */
  public static final int SHUTTING_DOWN = 9002;
  /** Linq kept failing (5xx, resets, bad bodies) after retries. */
  public static final int UPSTREAM_FAILING = 9003;
  /** Linq did not answer before the check's deadline. */
  public static final int UPSTREAM_TIMEOUT = 9004;
  /** The gateway's own hop header came back: it is configured to call itself. */
  public static final int LOOP_DETECTED = 9005;
  /** Body or header too large. */
  public static final int TOO_LARGE = 9006;
  /** The client key's daily budget of checks is used up (429; {@code retry_after} = seconds to midnight UTC). */
  public static final int CLIENT_BUDGET_EXHAUSTED = 9007;
  /** The caller went away (a batch client disconnected): its checks still waiting are withdrawn. */
  public static final int CANCELLED = 9008;
  /** A job's {@code Idempotency-Key} was used for a different submission (409). */
  public static final int IDEMPOTENCY_CONFLICT = 9009;
  /** The client has as many unfinished jobs as it may (429). */
  public static final int TOO_MANY_JOBS = 9010;
  /** The job store is full ({@code GATEWAY_JOBS_MAX_STORE_MB}, 507). */
  public static final int STORE_FULL = 9011;
  /** Durable jobs are not available here (a clustered gateway with the file store, 503). */
  public static final int JOBS_UNAVAILABLE = 9012;
  /** No such route. */
  public static final int NOT_FOUND = 9404;
  /** The route exists, not with this method. */
  public static final int METHOD_NOT_ALLOWED = 9405;
  /** A fault of the gateway itself; never expected. */
  public static final int INTERNAL = 9500;

  private ErrorCodes() {
  }

  /** RCS sender-line faults: Linq 503 with these codes means "unknown", never "no". */
  public static boolean isSenderLineFault(int code) {
    return code == 4004 || code == 4009 || code == 4010;
  }
}
