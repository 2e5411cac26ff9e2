package com.linqapp.gateway.sim;

import java.util.function.LongSupplier;

/**
 * Token bucket expressed as a "theoretical arrival time" (GCRA) so all arithmetic is exact in long nanoseconds: the
 * bucket starts full with {@code burst} tokens and regains one token every {@code 1 / ratePerSecond} seconds.
 */
public final class TokenBucket implements RateLimiter {

  private final long intervalNanos;
  private final long burstNanos;
  private final LongSupplier clock;
  private long theoreticalArrival;

  /**
   * @param ratePerSecond refill rate, &gt; 0
   * @param burst bucket capacity, &gt;= 1
   * @param nanoClock monotonic clock in nanoseconds (e.g. {@code System::nanoTime})
   */
  public TokenBucket(double ratePerSecond, int burst, LongSupplier nanoClock) {
    this(ratePerSecond, burst, nanoClock, burst);
  }

  /**
   * A bucket that starts with {@code tokens} (at most {@code burst}) instead of full: a limit changed while it runs
   * keeps what it held.
   */
  public TokenBucket(double ratePerSecond, int burst, LongSupplier nanoClock, double tokens) {
    if (!(ratePerSecond > 0)) {
      throw new IllegalArgumentException("ratePerSecond must be > 0: " + ratePerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be >= 1: " + burst);
    }
    this.intervalNanos = Math.max(1L, Math.round(1_000_000_000d / ratePerSecond));
    this.burstNanos = intervalNanos * burst;
    this.clock = nanoClock;
    double held = Math.max(0, Math.min(burst, tokens));
    this.theoreticalArrival = nanoClock.getAsLong() + burstNanos - Math.round(held * intervalNanos);
  }

  /** Tokens held now (fractional: a token being refilled counts in part). */
  public double tokens() {
    long ahead = Math.max(0, theoreticalArrival - clock.getAsLong());
    return Math.max(0, (burstNanos - ahead) / (double) intervalNanos);
  }

  /** The same bucket at another rate and burst, holding what this one holds now (at most the new burst). */
  public TokenBucket retuned(double ratePerSecond, int burst) {
    return new TokenBucket(ratePerSecond, burst, clock, tokens());
  }

  @Override
  public long tryAcquire() {
    long now = clock.getAsLong();
    // An idle bucket never accumulates more than `burst` tokens: the arrival time cannot lag behind now.
    long base = theoreticalArrival - now < 0 ? now : theoreticalArrival;
    long next = base + intervalNanos;
    long ahead = next - now;
    if (ahead <= burstNanos) {
      theoreticalArrival = next;
      return 0;
    }
    return ahead - burstNanos;
  }

  /** @return the time between two refilled tokens, in nanoseconds */
  public long intervalNanos() {
    return intervalNanos;
  }
}
