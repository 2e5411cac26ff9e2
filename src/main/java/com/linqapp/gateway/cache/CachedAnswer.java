package com.linqapp.gateway.cache;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Freshness;
import io.vertx.core.buffer.Buffer;

/**
 * An answer as Linq gave it, with when it was fetched and how long it stays fresh.
 *
 * @param answer          Linq's answer, optional fields included
 * @param fetchedAtMillis wall-clock time Linq answered
 * @param ttlMillis       freshness lifetime (depends on {@code available})
 * @param linqJson        the answer's Linq-compatible body, encoded once: a cache hit sends these bytes
 *                        (read-only, shared by every event loop)
 */
public record CachedAnswer(CheckAnswer answer, long fetchedAtMillis, long ttlMillis, Buffer linqJson) {

  public CachedAnswer(CheckAnswer answer, long fetchedAtMillis, long ttlMillis) {
    this(answer, fetchedAtMillis, ttlMillis, answer.toLinqJson().toBuffer());
  }

  /** This answer as served from the cache ({@code HIT} or {@code STALE}), with its age. */
  public CheckResult asResult(CheckResult.Source source, long nowMillis) {
    return new CheckResult(answer, source, ageSeconds(nowMillis));
  }

  /** Whole seconds since Linq answered, for {@code Age}. */
  public long ageSeconds(long nowMillis) {
    return Math.max(0, nowMillis - fetchedAtMillis) / 1000;
  }

  /**
   * Fresh for a caller: younger than the TTL and, when the caller sets {@code max-age}, than that too
   * ({@code no-cache} is {@code max-age=0}: never fresh).
   */
  public boolean freshFor(Freshness freshness, long nowMillis) {
    if (!freshness.mayUseCache()) {
      return false;
    }
    long age = Math.max(0, nowMillis - fetchedAtMillis);
    Integer maxAge = freshness.maxAgeSeconds();
    return age < ttlMillis && (maxAge == null || age <= maxAge * 1000L);
  }

  /** Usable when Linq is paused or failing and the caller allows {@code max-stale}: expired by at most that. */
  public boolean usableStale(Freshness freshness, long nowMillis) {
    Integer maxStale = freshness.maxStaleSeconds();
    return maxStale != null && nowMillis - fetchedAtMillis <= ttlMillis + maxStale * 1000L;
  }
}
