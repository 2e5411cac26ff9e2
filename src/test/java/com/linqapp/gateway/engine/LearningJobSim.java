package com.linqapp.gateway.engine;

import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.sim.RateLimiter;
import com.linqapp.gateway.sim.TokenBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * A big job against a rate-limited Linq on a virtual clock, shaped like the gateway's dispatch: one or more sending
 * budgets (the account, or each sender line) with the engine's own {@link SendGate} (429 pause, window back to one,
 * doubling) and a {@link SendPacer} each, a concurrency limit over all of them, one send per ready budget per round,
 * an upstream latency drawn from a seeded random source, and Linq's real limiters from the simulator
 * ({@link RateLimiter}) answering 429 with whole-second {@code Retry-After}s. Linq decides halfway through the round
 * trip and answers at its end. A refused check is requeued. A token-bucket limit may change at set times, keeping
 * what the bucket holds (as {@code POST /_sim/rate-limit} does). Nothing sleeps: a two-minute job runs in
 * milliseconds.
 */
final class LearningJobSim {

  /** Result of one job. */
  record Outcome(long items, long millis, long throttled, long sent, long insidePause, List<Long> admittedAt) {
    double seconds() {
      return millis / 1000.0;
    }

    double throttleShare() {
      return (double) throttled / sent;
    }

    /** Checks Linq admitted per second in [from, to) milliseconds. */
    double admittedRate(long from, long to) {
      return admittedAt.stream().filter(t -> t >= from && t < to).count() * 1000.0 / (to - from);
    }
  }

  /** Builds Linq's limiter for a budget from a nanosecond clock that reads the simulation's time. */
  @FunctionalInterface
  interface Limit {
    RateLimiter create(LongSupplier nanoClock);
  }

  private record Event(long at, long seq, Runnable action) {
  }

  /** One sending budget and Linq's limiter for it. */
  private final class Budget {
    final SendGate gate;
    final SendPacer pacer;
    RateLimiter linq;
    int inFlight;
    /** Until when Linq's last 429 for this budget asked it to wait, and when that 429 was answered. */
    long pauseAnnouncedAt = Long.MIN_VALUE;
    long pauseEndsAt = Long.MIN_VALUE;

    Budget(SendPacer pacer, RateLimiter linq) {
      this.gate = new SendGate(maxConcurrency);
      this.pacer = pacer;
      this.linq = linq;
    }

    long readyAt() {
      return Math.max(gate.readyAt(now), pacer.nextSendAt(now));
    }
  }

  private final PriorityQueue<Event> events = new PriorityQueue<>(
      (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final int maxConcurrency;
  private final List<Budget> budgets = new ArrayList<>();
  private final Random random;
  private final long latencyMinMillis;
  private final long latencySpreadMillis;
  private final List<Long> admittedAt = new ArrayList<>();
  private long now;
  private long seq;
  private long pending;
  private int inFlight;
  private int rotation;
  private long done;
  private long throttled;
  private long sent;
  private long insidePause;
  private long wakeAt = Long.MAX_VALUE;

  /**
   * @param pacers   one pacer per budget (the account's, or each line's)
   * @param budgets  how many budgets: 1 for the account, else one per sender line
   * @param linq     Linq's limiter for each budget
   * @param latencyMinMillis upstream latency is uniform in [min, min + spread]
   */
  LearningJobSim(SendPacer.Factory pacers, int budgets, int maxConcurrency, Limit linq, long latencyMinMillis,
      long latencySpreadMillis, long seed) {
    this.maxConcurrency = maxConcurrency;
    this.random = new Random(seed);
    this.latencyMinMillis = latencyMinMillis;
    this.latencySpreadMillis = latencySpreadMillis;
    for (int i = 0; i < budgets; i++) {
      this.budgets.add(new Budget(pacers.create(), linq.create(() -> now * 1_000_000L)));
    }
  }

  /** One budget (the account's). */
  LearningJobSim(SendPacer pacer, int maxConcurrency, Limit linq, long latencyMinMillis, long latencySpreadMillis,
      long seed) {
    this(() -> pacer, 1, maxConcurrency, linq, latencyMinMillis, latencySpreadMillis, seed);
  }

  /** At {@code atMillis}, Linq's token buckets change to {@code ratePerSecond} and {@code burst}, keeping their tokens. */
  LearningJobSim changeLimitAt(long atMillis, double ratePerSecond, int burst) {
    at(atMillis, () -> {
      for (Budget budget : budgets) {
        budget.linq = ((TokenBucket) budget.linq).retuned(ratePerSecond, burst);
      }
    });
    return this;
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
    return new Outcome(done, now, throttled, sent, insidePause, admittedAt);
  }

  private void at(long when, Runnable action) {
    events.add(new Event(when, seq++, action));
  }

  /** As the dispatcher: rounds over the budgets, one send per ready budget, one wake-up for the earliest. */
  private void pump() {
    boolean sentOne = true;
    long wake = Long.MAX_VALUE;
    while (sentOne && pending > 0) {
      sentOne = false;
      wake = Long.MAX_VALUE;
      int lastSender = -1;
      for (int i = 0; i < budgets.size() && pending > 0 && inFlight < maxConcurrency; i++) {
        int index = (rotation + i) % budgets.size();
        Budget budget = budgets.get(index);
        long ready = budget.readyAt();
        if (ready > now) {
          wake = Math.min(wake, ready);
        } else if (budget.gate.admits(budget.inFlight)) {
          send(budget);
          sentOne = true;
          lastSender = index;
        }
      }
      if (lastSender >= 0) {
        rotation = lastSender + 1;
      }
      if (inFlight >= maxConcurrency) {
        return;
      }
    }
    if (wake != Long.MAX_VALUE && wake < wakeAt) {
      wakeAt = wake;
      at(wake, () -> {
        wakeAt = Long.MAX_VALUE;
        pump();
      });
    }
  }

  private void send(Budget budget) {
    pending--;
    inFlight++;
    budget.inFlight++;
    sent++;
    long sentAt = now;
    budget.pacer.onSend(sentAt);
    long latency = latencyMinMillis + (latencySpreadMillis == 0 ? 0 : random.nextInt((int) latencySpreadMillis + 1));
    // Linq decides halfway, answers at the end. A request sent after a 429 was answered and before the pause it
    // announced ended is one sent inside the pause (what the simulator counts as requestsInsidePause).
    if (sentAt > budget.pauseAnnouncedAt && sentAt < budget.pauseEndsAt) {
      insidePause++;
    }
    at(now + latency / 2, () -> {
      long waitNanos = budget.linq.tryAcquire();
      if (waitNanos == 0) {
        admittedAt.add(now);
      }
      at(now + latency - latency / 2, () -> answer(budget, sentAt, waitNanos));
    });
  }

  private void answer(Budget budget, long sentAt, long waitNanos) {
    inFlight--;
    budget.inFlight--;
    if (waitNanos == 0) {
      done++;
      budget.gate.onResponse(now);
      budget.pacer.onAnswer(sentAt, now);
    } else {
      throttled++;
      pending++;
      long delay = RateLimiter.retryAfterSeconds(waitNanos) * 1000L;
      budget.pauseAnnouncedAt = now;
      budget.pauseEndsAt = Math.max(budget.pauseEndsAt, now + delay);
      budget.gate.onThrottled(now, delay);
      budget.pacer.onThrottle(sentAt, now, delay);
      budget.pacer.onPauseEnd(now + delay);
    }
    pump();
  }
}
