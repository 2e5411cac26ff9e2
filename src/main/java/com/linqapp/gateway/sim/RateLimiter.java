package com.linqapp.gateway.sim;

/**
 * A rate-limit budget driven by an injected nanosecond clock. Implementations are not thread-safe: the simulator
 * only touches them from its event loop.
 */
public interface RateLimiter {

  /**
   * Tries to take one permit now.
   *
   * @return {@code 0} when the request is admitted, otherwise the number of nanoseconds (&gt; 0) until a permit will
   *     be available
   */
  long tryAcquire();

  /**
   * Converts a wait in nanoseconds into the whole seconds announced in {@code Retry-After}: rounded up, at least 1.
   */
  static int retryAfterSeconds(long waitNanos) {
    long seconds = (waitNanos + 999_999_999L) / 1_000_000_000L;
    return (int) Math.max(1L, Math.min(Integer.MAX_VALUE, seconds));
  }
}
