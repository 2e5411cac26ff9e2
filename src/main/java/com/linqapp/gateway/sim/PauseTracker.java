package com.linqapp.gateway.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * Remembers, per rate-limit scope key, the last 429 sent and how long it told the client to pause, so requests that
 * ignore the pause can be counted. Event-loop confined.
 */
final class PauseTracker {

  private static final long GRACE_NANOS = SimulatorStats.PAUSE_GRACE_MILLIS * 1_000_000L;
  private static final long END_TOLERANCE_NANOS = SimulatorStats.PAUSE_END_TOLERANCE_MILLIS * 1_000_000L;

  private final Map<String, long[]> pauses = new HashMap<>();

  /** Records a 429 sent at {@code nowNanos} announcing {@code retryAfterSeconds}. */
  void rateLimited(String scopeKey, long nowNanos, int retryAfterSeconds) {
    pauses.put(scopeKey, new long[] {nowNanos, nowNanos + retryAfterSeconds * 1_000_000_000L});
  }

  /** @return whether a request arriving at {@code nowNanos} for {@code scopeKey} ignores a pause */
  boolean insidePause(String scopeKey, long nowNanos) {
    long[] p = pauses.get(scopeKey);
    return p != null && nowNanos - p[0] > GRACE_NANOS && nowNanos - (p[1] - END_TOLERANCE_NANOS) < 0;
  }

  void clear() {
    pauses.clear();
  }
}
