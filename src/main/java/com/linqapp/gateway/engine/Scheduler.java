package com.linqapp.gateway.engine;

import io.vertx.core.Vertx;
import java.util.function.LongSupplier;

/**
 * The engine's clock and timers in one port, so every time-dependent rule (pauses, backoff,
 * deadlines, probes) runs on virtual time in tests and on Vert.x timers in production.
 */
public interface Scheduler {

  /** Monotonic milliseconds; only differences are meaningful. */
  long now();

  /** Runs {@code task} on the owner's event loop after {@code delayMillis}; returns an id for {@link #cancel}. */
  long schedule(long delayMillis, Runnable task);

  void cancel(long timerId);

  /** Timers on the calling verticle's context; the clock is {@link System#nanoTime()}. */
  static Scheduler of(Vertx vertx) {
    return of(vertx, () -> System.nanoTime() / 1_000_000);
  }

  /** Timers on the calling verticle's context; the clock is {@code monotonicMillis}. */
  static Scheduler of(Vertx vertx, LongSupplier monotonicMillis) {
    return new Scheduler() {
      @Override
      public long now() {
        return monotonicMillis.getAsLong();
      }

      @Override
      public long schedule(long delayMillis, Runnable task) {
        return vertx.setTimer(Math.max(1, delayMillis), id -> task.run());
      }

      @Override
      public void cancel(long timerId) {
        vertx.cancelTimer(timerId);
      }
    };
  }
}
