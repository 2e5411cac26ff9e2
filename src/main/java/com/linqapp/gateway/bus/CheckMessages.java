package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The {@code capability.check} wire format: a request body to a {@link CheckRequest} (validated as
 * Linq validates, so bad input costs no upstream call), a result to a reply body, a failure to a
 * {@link ReplyException} whose code is the HTTP status and whose message is the envelope.
 */
public final class CheckMessages {

  /** Longest deadline a caller may ask for. */
  public static final long MAX_TIMEOUT_MILLIS = 600_000;

  private CheckMessages() {
  }

  /**
   * @param now            engine clock, for the absolute deadline
   * @param defaultTimeout deadline when the body gives none
   * @throws CheckException 400 with Linq's codes for bad fields
   */
  public static CheckRequest parse(JsonObject body, AddressRule rule, long now, long defaultTimeout,
                                   String requestId, String client) {
    Service service = service(body, Service.IMESSAGE);
    String address = requiredAddress(body.getValue("address"));
    String from = optionalFrom(body.getValue("from"), rule);
    long timeout = optionalLong(body, "timeout_ms", 1, MAX_TIMEOUT_MILLIS, defaultTimeout);
    Freshness freshness = new Freshness(optionalSeconds(body, "max_age"), optionalSeconds(body, "max_stale"));
    Priority priority;
    try {
      priority = Priority.parse(body.getValue("priority") == null ? null : stringField(body, "priority"),
          Priority.INTERACTIVE);
    } catch (IllegalArgumentException e) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, e.getMessage());
    }
    return new CheckRequest(service, rule.normalize(service, address), from, now + timeout, priority, freshness,
        requestId, client);
  }

  /** {@code service}: {@code imessage} or {@code rcs}, else 400/1001; absent means {@code fallback}. */
  public static Service service(JsonObject body, Service fallback) {
    if (body.getValue("service") == null) {
      return fallback;
    }
    try {
      return Service.fromWireName(stringField(body, "service"));
    } catch (IllegalArgumentException e) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, "service must be imessage or rcs");
    }
  }

  /** {@code address} must be a string (1001), then it must follow Linq's rule (1002, checked later). */
  public static String requiredAddress(Object value) {
    if (!(value instanceof String address)) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, "address is required and must be a string");
    }
    return address;
  }

  /** An optional {@code from}: a string that is an E.164 number. */
  public static String optionalFrom(Object value, AddressRule rule) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String from)) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, "from must be a string");
    }
    return rule.normalizeFrom(from);
  }

  private static String stringField(JsonObject body, String name) {
    if (!(body.getValue(name) instanceof String value)) {
      throw new IllegalArgumentException(name + " must be a string");
    }
    return value;
  }

  /** An optional whole number of seconds ({@code max_age}, {@code max_stale}), else 400/1001. */
  public static Integer optionalSeconds(JsonObject body, String name) {
    return body.getValue(name) == null ? null : (int) optionalLong(body, name, 0, Integer.MAX_VALUE, 0);
  }

  private static long optionalLong(JsonObject body, String name, long min, long max, long fallback) {
    Object value = body.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
        && number.longValue() >= min && number.longValue() <= max) {
      return number.longValue();
    }
    throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING,
        name + " must be a whole number from " + min + " to " + max);
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
