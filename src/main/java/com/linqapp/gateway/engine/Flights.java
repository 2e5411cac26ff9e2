package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.CheckResult.Source;
import com.linqapp.gateway.engine.Flight.Waiter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Every flight not yet done, by what it asks, and the callers waiting on them. Every caller leaves through
 * one idempotent answer, so whichever of its deadline, the flight's outcome or a shutdown comes first
 * answers it and the others find it answered: exactly one answer per accepted check. Owned by the
 * dispatcher's event loop.
 */
final class Flights {

  private final Scheduler scheduler;
  private final Map<CheckKey, Flight> byKey = new HashMap<>();
  private int waiting;
  private Promise<Void> allAnswered;

  Flights(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** The flight asking the same question, or {@code null}. */
  Flight get(CheckKey key) {
    return byKey.get(key);
  }

  void add(Flight flight) {
    byKey.put(flight.key, flight);
  }

  /**
   * Adds a caller to a flight, with a timer at its own deadline that calls {@code onDeadline}.
   *
   * @return the caller's answer
   */
  Future<CheckResult> join(Flight flight, CheckRequest request, Source source,
                           BiConsumer<Flight, Waiter> onDeadline) {
    Waiter waiter = new Waiter(request, source);
    waiter.deadlineTimer = scheduler.schedule(request.deadlineMillis() - scheduler.now(), () -> {
      waiter.deadlineTimer = -1;
      if (flight.waiters.contains(waiter)) {
        onDeadline.accept(flight, waiter);
      }
    });
    flight.waiters.add(waiter);
    waiting++;
    return waiter.promise.future();
  }

  /** Answers one caller, who leaves the flight. */
  void withdraw(Flight flight, Waiter waiter, CheckException error) {
    flight.waiters.remove(waiter);
    answer(waiter, null, error);
  }

  /** Answers every caller of the flight and retires it. */
  void settle(Flight flight, CheckAnswer answer, CheckException error) {
    for (Waiter waiter : flight.waiters) {
      answer(waiter, answer, error);
    }
    flight.waiters.clear();
    retire(flight);
  }

  /** Retires a flight nobody waits for any more: out of its queue, timers released. */
  void retire(Flight flight) {
    if (flight.state == Flight.State.QUEUED) {
      flight.home.remove(flight);
    }
    if (flight.backoffTimer >= 0) {
      scheduler.cancel(flight.backoffTimer);
      flight.backoffTimer = -1;
    }
    flight.state = Flight.State.DONE;
    byKey.remove(flight.key, flight);
  }

  /** Retires the flight if nobody waits for it and it is not on its way to Linq (its answer would still fill the cache). */
  void retireIfAbandoned(Flight flight) {
    if (flight.waiters.isEmpty() && flight.state != Flight.State.IN_FLIGHT) {
      retire(flight);
    }
  }

  private void answer(Waiter waiter, CheckAnswer answer, CheckException error) {
    if (waiter.deadlineTimer >= 0) {
      scheduler.cancel(waiter.deadlineTimer);
      waiter.deadlineTimer = -1;
    }
    if (error == null) {
      waiter.promise.complete(new CheckResult(answer, waiter.source, 0));
    } else {
      waiter.promise.fail(error);
    }
    waiting--;
    if (waiting == 0 && allAnswered != null) {
      allAnswered.tryComplete();
    }
  }

  /** A copy of the flights, to change them while going through. */
  List<Flight> snapshot() {
    return List.copyOf(byKey.values());
  }

  /** Callers accepted and not yet answered. */
  int unanswered() {
    return waiting;
  }

  /** Completes when every caller accepted so far (and since) has been answered. */
  Future<Void> allAnswered() {
    if (allAnswered == null) {
      allAnswered = Promise.promise();
      if (waiting == 0) {
        allAnswered.complete();
      }
    }
    return allAnswered.future();
  }
}
