package com.linqapp.gateway.cache;

import com.linqapp.gateway.check.CheckAnswer;

/**
 * An answer as Linq gave it, with when it was fetched and how long it stays fresh.
 *
 * @param answer          Linq's answer, optional fields included
 * @param fetchedAtMillis wall-clock time Linq answered
 * @param ttlMillis       freshness lifetime (depends on {@code available})
 */
public record CachedAnswer(CheckAnswer answer, long fetchedAtMillis, long ttlMillis) {

  /** Whole seconds since Linq answered, for {@code Age}. */
  public long ageSeconds(long nowMillis) {
    return Math.max(0, nowMillis - fetchedAtMillis) / 1000;
  }

  /**
   * Fresh for a caller: younger than the TTL and, when the caller sets {@code max-age}, than that too.
   *
   * @param maxAgeSeconds the caller's {@code max-age}, or {@code null}
   */
  public boolean freshFor(Integer maxAgeSeconds, long nowMillis) {
    long age = Math.max(0, nowMillis - fetchedAtMillis);
    return age < ttlMillis && (maxAgeSeconds == null || age <= maxAgeSeconds * 1000L);
  }

  /** Usable under {@code max-stale=N}: expired by at most N seconds. */
  public boolean usableStale(int maxStaleSeconds, long nowMillis) {
    return nowMillis - fetchedAtMillis <= ttlMillis + maxStaleSeconds * 1000L;
  }
}
