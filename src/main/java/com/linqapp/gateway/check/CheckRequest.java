package com.linqapp.gateway.check;

import java.util.Objects;

/**
 * One validated capability check as the engine sees it, whichever adapter it came from.
 *
 * @param service         iMessage or RCS
 * @param address         the address to send to Linq (E.164 or email; normalized when a region is set)
 * @param from            the caller's sender line, or {@code null} to let Linq (or the gateway) choose
 * @param deadlineMillis  absolute time on the engine's clock by which the caller must have an answer
 * @param priority        scheduling lane
 * @param freshness       which cached answers the caller accepts
 * @param requestId       correlation id, shown on every log line of the request
 * @param client          the client key's name (never the key)
 * @param group           a second fairness key within the client (a durable job's id), or {@code null}
 */
public record CheckRequest(Service service, String address, String from, long deadlineMillis,
                           Priority priority, Freshness freshness, String requestId, String client, String group) {

  public CheckRequest {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(freshness, "freshness");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(priority, "priority");
  }

  /** A request outside any group. */
  public CheckRequest(Service service, String address, String from, long deadlineMillis, Priority priority,
                      Freshness freshness, String requestId, String client) {
    this(service, address, from, deadlineMillis, priority, freshness, requestId, client, null);
  }

  /** The same request in a fairness group ({@link #group()}). */
  public CheckRequest inGroup(String fairnessGroup) {
    return new CheckRequest(service, address, from, deadlineMillis, priority, freshness, requestId, client,
        fairnessGroup);
  }

  /** Identical checks (same service, address and sender line) share one upstream call and one cache entry. */
  public CheckKey key() {
    return new CheckKey(service, address, from);
  }
}
