package com.linqapp.gateway.sim;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers held back on a test's request ({@link LinqSimulator#hold}): a check stays in flight, unanswered,
 * until the test releases it, so a test sees exactly what waits upstream and decides when it is answered
 * instead of guessing with latencies. The switch and the passes are thread-safe; the held answers belong
 * to the simulator's event loop ({@link #park} and {@link #release} run there).
 */
final class Hold {

  private record Parked(String address, Runnable respond) {
  }

  private volatile boolean on;
  /** Checks that may still go through while holding (granted by {@link #release} beyond those held). */
  private final AtomicLong passes = new AtomicLong();
  private final ArrayDeque<Parked> parked = new ArrayDeque<>();
  /** {@link #parked}'s addresses, copied on each change so any thread can read them. */
  private volatile List<String> addresses = List.of();

  /** Holds every answer decided from now on. */
  void start() {
    passes.set(0);
    on = true;
  }

  /** Stops holding; the answers already held stay until {@link #release}d. */
  void stop() {
    on = false;
    passes.set(0);
  }

  /**
   * Holds {@code respond} back if holding (and no pass is left).
   *
   * @return whether it was held
   */
  boolean park(String address, Runnable respond) {
    if (!on || passes.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
      return false;
    }
    parked.addLast(new Parked(address, respond));
    addresses = parked.stream().map(Parked::address).toList();
    return true;
  }

  /** Answers the {@code count} oldest held checks; what is left of {@code count} lets later arrivals through. */
  void release(long count) {
    long left = count;
    while (left > 0 && !parked.isEmpty()) {
      parked.pollFirst().respond().run();
      left--;
    }
    passes.addAndGet(left);
    addresses = parked.stream().map(Parked::address).toList();
  }

  /** Answers every held check. */
  void releaseAll() {
    release(parked.size());
  }

  List<String> addresses() {
    return addresses;
  }
}
