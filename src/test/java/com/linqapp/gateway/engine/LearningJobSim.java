package com.linqapp.gateway.engine;

import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.sim.RateLimiter;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A big job against a rate-limited Linq on a virtual clock, shaped like the gateway's dispatch: the
 * engine's own {@link SendGate} (429 pause, window back to one, doubling) and a {@link SendPacer}, a
 * concurrency limit, an upstream latency drawn from a seeded random source, and Linq's real limiters
 * from the simulator ({@link RateLimiter}) answering 429 with whole-second {@code Retry-After}s.
 * A refused check is requeued. Nothing sleeps: a 30 s job runs in milliseconds.
 */
final class LearningJobSim {

  /** Result of one job. */
  record Outcome(long items, long millis, long throttled, long sent) {
    double seconds() {
      return millis / 1000.0;
    }

    double throttleShare() {
      return (double) throttled / sent;
    }
  }

  private record Event(long at, long seq, Runnable action) {
  }

  private final PriorityQueue<Event> events = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final SendPacer pacer;
  private final SendGate gate;
  private final RateLimiter linq;
  private final Random random;
  private final long latencyMinMillis;
  private final long latencySpreadMillis;
  private long now;
  private long seq;
  private long pending;
  private int inFlight;
  private long done;
  private long throttled;
  private long sent;
  private long wakeAt = Long.MAX_VALUE;

  /**
   * @param linq builds Linq's limiter from a nanosecond clock that reads this simulation's time
   * @param latencyMinMillis upstream latency is uniform in [min, min + spread]
   */
  LearningJobSim(SendPacer pacer, int maxConcurrency, Function<LongSupplier, RateLimiter> linq,
      long latencyMinMillis, long latencySpreadMillis, long seed) {
    this.pacer = pacer;
    this.gate = new SendGate(maxConcurrency);
    this.linq = linq.apply(() -> now * 1_000_000L);
    this.random = new Random(seed);
    this.latencyMinMillis = latencyMinMillis;
    this.latencySpreadMillis = latencySpreadMillis;
  }

  /** Runs {@code items} distinct checks to completion (or until {@code limitMillis}). */
  Outcome run(long items, long limitMillis) {
    pending = items;
    pump();
    while (done < items && !events.isEmpty()) {
      Event event = events.poll();
      if (event.at > limitMillis) {
        break;
      }
      now = event.at;
      event.action.run();
    }
    return new Outcome(done, now, throttled, sent);
  }

  private void at(long when, Runnable action) {
    events.add(new Event(when, seq++, action));
  }

  private void pump() {
    while (pending > 0 && gate.admits(inFlight)) {
      long ready = Math.max(gate.readyAt(now), pacer.nextSendAt(now));
      if (ready > now) {
        if (ready < wakeAt) {
          wakeAt = ready;
          at(ready, () -> {
            wakeAt = Long.MAX_VALUE;
            pump();
          });
        }
        return;
      }
      send();
    }
  }

  private void send() {
    pending--;
    inFlight++;
    sent++;
    pacer.onSend(now);
    long latency = latencyMinMillis + (latencySpreadMillis == 0 ? 0 : random.nextInt((int) latencySpreadMillis + 1));
    // Linq decides halfway, answers at the end.
    at(now + latency / 2, () -> {
      long waitNanos = linq.tryAcquire();
      at(now + latency - latency / 2, () -> answer(waitNanos));
    });
  }

  private void answer(long waitNanos) {
    inFlight--;
    if (waitNanos == 0) {
      done++;
      gate.onResponse(now);
      pacer.onAnswer(now);
    } else {
      throttled++;
      pending++;

      long delay = RateLimiter.retryAfterSeconds(waitNanos) * 1000L;
      gate.onThrottled(now, delay);
      pacer.onThrottle(now, delay);
      pacer.onPauseEnd(now + delay);
    }
    pump();
  }
}
