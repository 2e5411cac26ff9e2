package com.linqapp.gateway.linq;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import java.util.List;

/**
 * What one exchange with Linq came to. The client turns every response, reset or timeout into exactly
 * one of these, so the engine decides on data rather than on exceptions and status codes.
 */
public sealed interface LinqOutcome {

  /** Linq's trace id for the exchange when it sent one, for logs; may be {@code null}. */
  String traceId();

  /**
   * How the exchange ended, in a word metrics and traces share: {@code answer}, {@code 429}, {@code 4xx},
   * {@code 5xx}, {@code reset}, {@code timeout}, {@code bad_body} or {@code sender_line_fault}.
   */
  default String label() {
    if (this instanceof TransientFault fault) {
      return switch (fault.kind()) {
        case SERVER_ERROR -> "5xx";
        case CONNECTION -> "reset";
        case TIMEOUT -> "timeout";
        case BAD_BODY -> "bad_body";
      };
    }
    if (this instanceof RateLimited) {
      return "429";
    }
    if (this instanceof Rejected || this instanceof CredentialsRejected) {
      return "4xx";
    }
    if (this instanceof SenderLineFault) {
      return "sender_line_fault";
    }
    return "answer";
  }

  /** A 200 with the expected body. */
  record Answered(CheckAnswer answer, String traceId) implements LinqOutcome {
  }

  /** The account's sender lines ({@code GET /v3/phone_numbers}): the key works. */
  record SenderLines(List<String> lines, String traceId) implements LinqOutcome {
  }

  /** 429: wait {@code delayMillis} (the longer of {@code Retry-After} and body {@code retry_after}, else a default). */
  record RateLimited(long delayMillis, String traceId) implements LinqOutcome {
  }

  /** A 4xx about this request (bad address, a {@code from} that is not the account's…): the caller's to see. */
  record Rejected(CheckException error, String traceId) implements LinqOutcome {
  }

  /** 401, or 403/2005: Linq refuses the gateway's own key. Nothing can succeed until it is fixed. */
  record CredentialsRejected(int status, int code, String message, String traceId) implements LinqOutcome {
  }

  /** RCS 503 with 4004/4009/4010: the sender line could not tell. "Unknown", never "no". */
  record SenderLineFault(int code, String message, String traceId) implements LinqOutcome {
  }

  /** A fault that may pass: 5xx, reset, refused connection, timeout, a 200 whose body is not the expected JSON. */
  record TransientFault(Kind kind, String detail, String traceId) implements LinqOutcome {

    /** How the exchange failed; a {@link #TIMEOUT} that exhausts the retries becomes 504 rather than 502. */
    public enum Kind { SERVER_ERROR, CONNECTION, TIMEOUT, BAD_BODY }

    public static TransientFault of(Kind kind, String detail) {
      return new TransientFault(kind, detail, null);
    }
  }
}
