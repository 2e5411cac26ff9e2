package com.linqapp.gateway.check;

/**
 * What a failed check says about the work around it, for callers that work through many addresses (the
 * {@code check} and {@code batch} commands, jobs): an answer about the address, a failure worth another try
 * later, or a failure no other address can escape either.
 */
public enum FailureKind {

  /** About the address or the line itself (bad address, bad line, Linq refusing a {@code from}): an answer. */
  ITEM,
  /** Says nothing about the address (429, 503, 504, 500, 502/9003): worth another try later, never an answer. */
  TRANSIENT,
  /** No other address can succeed either: the gateway's or Linq's key refused, the client's budget spent, shutdown. */
  FATAL;

  /** The kind of an error envelope's {@code status} and {@code code}. */
  public static FailureKind of(int status, int code) {
    if (status == 401 || status == 502 && (code == ErrorCodes.UNAUTHORIZED || code == ErrorCodes.FORBIDDEN)
        || code == ErrorCodes.SHUTTING_DOWN || code == ErrorCodes.CLIENT_BUDGET_EXHAUSTED) {
      return FATAL;
    }
    if (status == 429 || status == 503 || status == 504 || status == 500
        || status == 502 && code == ErrorCodes.UPSTREAM_FAILING) {
      return TRANSIENT;
    }
    return ITEM;
  }

  public static FailureKind of(CheckException error) {
    return of(error.status(), error.code());
  }
}
