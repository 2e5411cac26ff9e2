package com.linqapp.gateway.sim;

import java.util.function.LongSupplier;

/**
 * Fixed window counter: at most {@code limit} permits per window of {@code windowMillis}; windows are aligned on the
 * instant the limiter was created, so a denied caller is told to wait until the current window ends.
 */
public final class FixedWindow implements RateLimiter {

  private final long windowNanos;
  private final int limit;
  private final LongSupplier clock;
  private long windowStart;
  private int used;

  /**
   * @param windowMillis window length, &gt; 0
   * @param limit permits per window, &gt;= 1
   * @param nanoClock monotonic clock in nanoseconds (e.g. {@code System::nanoTime})
   */
  public FixedWindow(long windowMillis, int limit, LongSupplier nanoClock) {
    if (windowMillis <= 0) {
      throw new IllegalArgumentException("windowMillis must be > 0: " + windowMillis);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1: " + limit);
    }
    this.windowNanos = windowMillis * 1_000_000L;
    this.limit = limit;
    this.clock = nanoClock;
    this.windowStart = nanoClock.getAsLong();
  }

  @Override
  public long tryAcquire() {
    long now = clock.getAsLong();
    long elapsed = now - windowStart;
    if (elapsed >= windowNanos) {
      windowStart += (elapsed / windowNanos) * windowNanos;
      used = 0;
    }
    if (used < limit) {
      used++;
      return 0;
    }
    return windowStart + windowNanos - now;
  }
}
