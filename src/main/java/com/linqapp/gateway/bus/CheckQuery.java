package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A check as a caller states it on the event bus (before validation by the engine).
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
