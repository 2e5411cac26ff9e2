package com.linqapp.gateway.app;

import java.util.function.LongSupplier;

/**
 * A gateway's two clocks, injected so that tests can run gateways whose clocks differ.
 *
 * @param monotonicMillis the engine's clock: deadlines, pauses, the pace (only differences mean anything)
 * @param epochMillis     the wall clock: the UTC day client budgets count in, cached answers' age
 */
public record Clocks(LongSupplier monotonicMillis, LongSupplier epochMillis) {

  /** {@link System#nanoTime()} in milliseconds, and {@link System#currentTimeMillis()}. */
  public static Clocks system() {
    return new Clocks(() -> System.nanoTime() / 1_000_000, System::currentTimeMillis);
  }
}
