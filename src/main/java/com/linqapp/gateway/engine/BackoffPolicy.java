package com.linqapp.gateway.engine;

import java.util.function.DoubleSupplier;

/** How long to wait before retrying a check after its {@code failures}-th transient fault. */
@FunctionalInterface
public interface BackoffPolicy {

  /** @param failures transient faults so far, at least 1 */
  long delayMillis(int failures);

  /**
   * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
   * uniform in {@code [0, min(cap, base * 2^(failures-1))]}, which spreads retries of many callers
   * hit by the same fault instead of synchronising them.
   *
   * @param random uniform source in {@code [0, 1)}, injected so tests are deterministic
   */
  static BackoffPolicy exponentialFullJitter(long baseMillis, long capMillis, DoubleSupplier random) {
    if (baseMillis <= 0 || capMillis < baseMillis) {
      throw new IllegalArgumentException("backoff needs 0 < base <= cap");
    }
    return failures -> {
      int exponent = Math.min(Math.max(failures, 1) - 1, 30);
      long ceiling = Math.min(capMillis, baseMillis << exponent);
      return (long) (random.getAsDouble() * (ceiling + 1));
    };
  }
}
