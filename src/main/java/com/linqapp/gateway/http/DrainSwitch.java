package com.linqapp.gateway.http;

/**
 * Whether the gateway drains: turned on once, by {@code Gateway#drain}, and read by every HTTP event
 * loop on every request, so that no new request is served once draining starts — not even a cache
 * hit, which never reaches the engine. The one piece of mutable state the HTTP verticles share across
 * event loops, deliberately: a volatile flag that only ever goes from off to on, so reading it needs
 * no lock and a request that reads it after {@link #drain()} returned sees it on.
 */
public final class DrainSwitch {

  private volatile boolean draining;

  /** From now on every new HTTP request is answered 503/9002. */
  public void drain() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }
}
