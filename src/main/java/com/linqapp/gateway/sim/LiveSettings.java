package com.linqapp.gateway.sim;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The settings that tests may change while the simulator runs. Every field is volatile (or guarded by this object)
 * so a change made on a test thread applies to the very next request, without a hop to the event loop.
 */
final class LiveSettings {

  volatile String apiKey;
  volatile boolean forbidden;
  volatile RateLimitConfig rateLimit;
  /** Whether the budgets keep what they hold when {@link #rateLimit} changes (written before it). */
  volatile boolean keepLevels;
  volatile long latencyMillis;
  volatile long jitterMillis;
  volatile double errorRate;
  volatile double resetRate;
  volatile double garbageRate;
  volatile double hangRate;
  volatile double slowRate;
  volatile double rcsLineFaultRate;
  volatile long slowByteDelayMillis;
  volatile int availablePercent;
  volatile boolean extendedFields;
  final List<String> lines;

  private final ArrayDeque<Fault> scripted = new ArrayDeque<>();

  LiveSettings(SimulatorOptions o) {
    apiKey = o.getApiKey();
    forbidden = o.isForbidden();
    rateLimit = RateLimitConfig.of(o);
    latencyMillis = o.getLatencyMillis();
    jitterMillis = o.getJitterMillis();
    errorRate = o.getErrorRate();
    resetRate = o.getResetRate();
    garbageRate = o.getGarbageRate();
    hangRate = o.getHangRate();
    slowRate = o.getSlowRate();
    rcsLineFaultRate = o.getRcsLineFaultRate();
    slowByteDelayMillis = o.getSlowByteDelayMillis();
    availablePercent = o.getAvailablePercent();
    extendedFields = o.isExtendedFields();
    lines = List.copyOf(o.getLines());
  }

  synchronized void failNext(Fault fault, int count) {
    Objects.requireNonNull(fault, "fault");
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    for (int i = 0; i < count; i++) {
      scripted.addLast(fault);
    }
  }

  synchronized void clearScripted() {
    scripted.clear();
  }

  synchronized int scriptedCount() {
    return scripted.size();
  }

  /**
   * Takes the next scripted fault this request can suffer: RCS line faults are left queued for the next check_rcs.
   *
   * @return the fault, or {@code null} if none applies
   */
  synchronized Fault pollScripted(boolean rcs) {
    for (Iterator<Fault> it = scripted.iterator(); it.hasNext(); ) {
      Fault f = it.next();
      if (rcs || f.kind() != Fault.Kind.RCS_LINE_FAULT) {
        it.remove();
        return f;
      }
    }
    return null;
  }
}
