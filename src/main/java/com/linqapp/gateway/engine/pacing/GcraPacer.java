package com.linqapp.gateway.engine.pacing;

/**
 * A known rate limit as GCRA: one "theoretical arrival time" (TAT) advances by the emission interval
 * {@code 1/rate} with each send; a send may go when {@code TAT - now} is within the burst tolerance
 * {@code (burst - 1) / rate}. Equivalent to a token bucket of {@code burst} tokens refilled at
 * {@code rate}, without a refill loop: the next permitted instant is computed, never polled.
 *
 * <p>Times are kept as fractional milliseconds so rates like 0.1/s or 3/s do not drift.
 */
final class GcraPacer implements SendPacer {

  private final double limitPerSecond;
  private final double intervalMillis;
  private final double toleranceMillis;
  private double theoreticalArrival = Double.NEGATIVE_INFINITY;

  GcraPacer(double ratePerSecond, int burst) {
    if (!(ratePerSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("a known limit needs rate > 0 and burst >= 1");
    }
    this.limitPerSecond = ratePerSecond;
    this.intervalMillis = 1000.0 / ratePerSecond;
    this.toleranceMillis = (burst - 1) * intervalMillis;
  }

  @Override
  public long nextSendAt(long now) {
    double earliest = theoreticalArrival - toleranceMillis;
    return earliest <= now ? now : (long) Math.ceil(earliest);
  }

  @Override
  public void onSend(long now) {
    theoreticalArrival = Math.max(theoreticalArrival, now) + intervalMillis;
  }

  @Override
  public void onAnswer(long now) {
  }

  /**
   * A 429 at a known limit means Linq counted sends we did not (another client on the account, a
   * clock skew): the bucket is treated as empty, so sending resumes at the steady rate, not in a burst.
   */
  @Override
  public void onThrottle(long now) {
    theoreticalArrival = Math.max(theoreticalArrival, now + toleranceMillis);
  }

  @Override
  public void onPauseEnd(long until) {
    theoreticalArrival = Math.max(theoreticalArrival, until + toleranceMillis);
  }

  @Override
  public double rate() {
    return limitPerSecond;
  }

  @Override
  public State state() {
    return State.KNOWN;
  }
}
