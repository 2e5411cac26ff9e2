package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A check as a caller states it: the {@code capability.check} request, a batch line, or an HTTP check's
 * body and headers. {@link #parse} is the one reader of those fields for every adapter.
 *
 * @param service   iMessage or RCS
 * @param address   the address to check
 * @param from      sender line, or {@code null}
 * @param timeoutMillis deadline in ms, or {@code null} for the gateway's default
 * @param freshness which cached answers are accepted ({@code max_age}, {@code max_stale})
 * @param priority  lane, or {@code null} for interactive
 */
public record CheckQuery(Service service, String address, String from, Long timeoutMillis, Freshness freshness,
                         Priority priority) {

  public CheckQuery {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(freshness, "freshness");
  }

  /** Longest deadline a caller may ask for. */
  public static final long MAX_TIMEOUT_MILLIS = 600_000;

  /**
   * Reads a check's fields: {@code address} (a string, else 400/1001; then Linq's rule, else 400/1002),
   * {@code service} ({@code imessage}|{@code rcs}, absent: {@code fallback}), {@code from} (an E.164 string),
   * {@code timeout_ms}, {@code max_age}, {@code max_stale} (whole numbers) and {@code priority}
   * ({@code interactive}|{@code bulk}); any of these present with a bad type or value is 400/1005. Other
   * fields are ignored, as Linq ignores them.
   *
   * @param rule Linq's address rule, applied (and national formats normalized) here; {@code null} leaves
   *             {@code address} and {@code from} as sent, for a caller in another JVM that does not know the
   *             gateway's region (the engine applies the rule)
   * @throws CheckException 400 with Linq's codes
   */
  public static CheckQuery parse(JsonObject json, Service fallback, AddressRule rule) {
    Service service = json.getValue("service") == null ? fallback : service(json.getValue("service"));
    if (!(json.getValue("address") instanceof String address)) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, "address is required and must be a string");
    }
    Object from = json.getValue("from");
    if (from != null && !(from instanceof String)) {
      throw invalid("from must be a string");
    }
    Object timeout = json.getValue("timeout_ms");
    Freshness freshness = new Freshness(seconds(json, "max_age"), seconds(json, "max_stale"));
    Object lane = json.getValue("priority");
    Priority priority = lane == null ? null : priority(lane);
    return new CheckQuery(service, rule == null ? address : rule.normalize(service, address),
        from == null || rule == null ? (String) from : rule.normalizeFrom((String) from),
        timeout == null ? null : whole(timeout, "timeout_ms", 1, MAX_TIMEOUT_MILLIS), freshness, priority);
  }

  private static Service service(Object value) {
    try {
      return Service.fromWireName(value instanceof String name ? name : "");
    } catch (IllegalArgumentException e) {
      throw invalid("service must be imessage or rcs");
    }
  }

  private static Priority priority(Object value) {
    try {
      if (value instanceof String name) {
        return Priority.parse(name, null);
      }
    } catch (IllegalArgumentException e) {
      // refused below
    }
    throw invalid("priority must be interactive or bulk");
  }

  private static Integer seconds(JsonObject json, String name) {
    Object value = json.getValue(name);
    return value == null ? null : (int) whole(value, name, 0, Integer.MAX_VALUE);
  }

  private static long whole(Object value, String name, long min, long max) {
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
        && number.longValue() >= min && number.longValue() <= max) {
      return number.longValue();
    }
    throw invalid(name + " must be a whole number from " + min + " to " + max);
  }

  /** 400/1005: a field other than {@code address} has a bad type or value. */
  public static CheckException invalid(String message) {
    return CheckException.badRequest(ErrorCodes.INVALID_PARAMETER, message);
  }

  /**
   * The engine's request for this query.
   *
   * @param now                   engine clock, for the absolute deadline
   * @param defaultTimeoutMillis  the deadline when the query gives none
   */
  public CheckRequest toRequest(long now, long defaultTimeoutMillis, String requestId, String client) {
    return new CheckRequest(service, address, from, now + (timeoutMillis == null ? defaultTimeoutMillis : timeoutMillis),
        priority == null ? Priority.INTERACTIVE : priority, freshness, requestId, client);
  }

  public static CheckQuery of(Service service, String address) {
    return new CheckQuery(service, address, null, null, Freshness.DEFAULT, null);
  }

  public CheckQuery withTimeout(long millis) {
    return new CheckQuery(service, address, from, millis, freshness, priority);
  }

  public CheckQuery withFrom(String sender) {
    return new CheckQuery(service, address, sender, timeoutMillis, freshness, priority);
  }

  public CheckQuery withPriority(Priority lane) {
    return new CheckQuery(service, address, from, timeoutMillis, freshness, lane);
  }

  public CheckQuery withFreshness(Freshness accepted) {
    return new CheckQuery(service, address, from, timeoutMillis, accepted, priority);
  }

  /** The {@code capability.check} request body. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("service", service.wireName()).put("address", address);
    if (from != null) {
      json.put("from", from);
    }
    if (timeoutMillis != null) {
      json.put("timeout_ms", timeoutMillis);
    }
    if (freshness.maxAgeSeconds() != null) {
      json.put("max_age", freshness.maxAgeSeconds());
    }
    if (freshness.maxStaleSeconds() != null) {
      json.put("max_stale", freshness.maxStaleSeconds());
    }
    if (priority != null) {
      json.put("priority", priority.wireName());
    }
    return json;
  }
}
