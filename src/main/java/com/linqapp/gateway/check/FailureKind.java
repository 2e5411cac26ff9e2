package com.linqapp.gateway.check;

import io.vertx.core.json.JsonObject;

/**
 * What a failed check means to a run over many addresses (the {@code check} and {@code batch}
 * commands): the one rule deciding whether such a run answered everything it was given.
 */
public enum FailureKind {

  /** The address's answer (a bad address, Linq refusing this request): written like any answer. */
  ITEM,
  /**
   * Says nothing about the address (Linq's limit, overload, Linq failing or too slow): worth another
   * try later, and the address is left unanswered.
   */
  TRANSIENT,
  /**
   * No other address can escape it either (Linq or the gateway refuses the key, the client's daily
   * budget is used up, the gateway shuts down): the run cannot finish.
   */
  FATAL;

  /** Classifies a failure by its envelope's status and code. */
  public static FailureKind of(int status, int code) {
    if (status == 401 || status == 502 && (code == ErrorCodes.UNAUTHORIZED || code == ErrorCodes.FORBIDDEN)
        || code == ErrorCodes.SHUTTING_DOWN || code == ErrorCodes.CLIENT_BUDGET_EXHAUSTED) {
      return FATAL;
    }
    if (status == 429 || status == 500 || status == 503 || status == 504
        || status == 502 && code == ErrorCodes.UPSTREAM_FAILING) {
      return TRANSIENT;
    }
    return ITEM;
  }

  public static FailureKind of(CheckException error) {
    return of(error.status(), error.code());
  }

  /** @param error the envelope's {@code error} object, as in an answer line */
  public static FailureKind of(JsonObject error) {
    return of(error.getInteger("status", 0), error.getInteger("code", 0));
  }
}
