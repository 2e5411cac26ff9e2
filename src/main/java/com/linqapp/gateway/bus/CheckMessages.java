package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The {@code capability.check} replies: a result to a reply body and back, a failure to a
 * {@link ReplyException} whose code is the HTTP status and whose message is the envelope (requests are
 * {@link CheckQuery}'s JSON).
 */
public final class CheckMessages {

  private CheckMessages() {
  }

  /** {@code {"address","available","reason"?,"selected_service"?,"cached","age"}}. */
  public static JsonObject reply(CheckResult result) {
    return result.answer().toLinqJson().put("cached", result.source().cached()).put("age", result.ageSeconds());
  }

  /** Reads a reply body back into a result; {@code x-cache} refines the source when present. */
  public static CheckResult readReply(JsonObject body, String cacheHeader) {
    CheckResult.Source source = CheckResult.Source.MISS;
    if (cacheHeader != null) {
      source = CheckResult.Source.valueOf(cacheHeader.toUpperCase(java.util.Locale.ROOT));
    } else if (body.getBoolean("cached", false)) {
      source = CheckResult.Source.HIT;
    }
    return new CheckResult(new com.linqapp.gateway.check.CheckAnswer(body.getString("address"),
        body.getBoolean("available"), body.getString("reason"), body.getString("selected_service")),
        source, body.getLong("age", 0L));
  }

  /** The failure to send back: code = HTTP status, message = envelope. */
  public static ReplyException failure(CheckException error) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, error.status(), error.toEnvelope().encode());
  }

  /**
   * Turns a failed request/reply into the gateway's typed failure: a recipient failure carries the
   * envelope; a send timeout means no answer in time; no handler means the engine is not up.
   */
  public static CheckException toCheckException(Throwable failure) {
    if (failure instanceof CheckException known) {
      return known;
    }
    if (failure instanceof ReplyException reply) {
      switch (reply.failureType()) {
        case RECIPIENT_FAILURE: {
          CheckException parsed = CheckException.fromEnvelope(reply.failureCode(), reply.getMessage());
          if (parsed != null) {
            return parsed;
          }
          break;
        }
        case TIMEOUT:
          return CheckException.upstreamTimeout();
        case NO_HANDLERS:
          return CheckException.shuttingDown(1);
        default:
          break;
      }
    }
    return new CheckException(500, ErrorCodes.INTERNAL, "Internal error");
  }
}
