package com.linqapp.gateway.engine;

/**
 * Decides when the next request may go to Linq: not while paused by a 429, and, after a pause, with
 * a concurrency window that starts at one and doubles with each answer (TCP-style slow start), so a
 * queue that built up during the pause is not released against Linq all at once.
 *
 * <p>Owned by the engine's event loop; not thread-safe. {@link #pauseUntil} is the port through which a
 * pause learnt elsewhere (another node's 429) reaches this gate.
 */
public final class SendGate {

  private final int maxConcurrency;
  private long pausedUntil = Long.MIN_VALUE;
  private int window;

  public SendGate(int maxConcurrency) {
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency must be at least 1");
    }
    this.maxConcurrency = maxConcurrency;
    this.window = maxConcurrency;
  }

  /** Earliest time a request may be sent: {@code now}, or the end of the pause. */
  public long readyAt(long now) {
    return Math.max(now, pausedUntil);
  }

  public boolean paused(long now) {
    return pausedUntil > now;
  }

  /** Whether one more request may be in flight. */
  public boolean admits(int inFlight) {
    return inFlight < window;
  }

  /** Current concurrency window (1 after a pause, doubling back to the maximum). */
  public int window() {
    return window;
  }

  /** A 429 with its delay: pause everything, and restart with one request in flight. */
  public void onThrottled(long now, long delayMillis) {
    pauseUntil(now + Math.max(0, delayMillis));
  }

  /** A pause from outside (e.g. announced by another node); never shortens a pause already in force. */
  public void pauseUntil(long until) {
    pausedUntil = Math.max(pausedUntil, until);
    window = 1;
  }

  /**
   * Linq answered (whatever the answer): the window grows back. Answers that arrive during a pause were
   * sent before it and say nothing about the limit after it, so they do not count.
   */
  public void onResponse(long now) {
    if (window < maxConcurrency && !paused(now)) {
      window = Math.min(maxConcurrency, window * 2);
    }
  }
}
