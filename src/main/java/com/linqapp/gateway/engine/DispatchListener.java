package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.linq.LinqOutcome;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * What the dispatcher tells the rest of the gateway: answers (for the cache), the events metrics count,
 * and each flight's course (for traces). Called on the engine's event loop; implementations must not block.
 */
public interface DispatchListener {

  /** Linq answered; called even when no caller waits any more. */
  default void onAnswer(CheckKey key, CheckAnswer answer) {
  }

  /** One exchange with Linq ended, after {@code millis}. */
  default void onExchange(LinqOutcome outcome, long millis) {
  }

  /** A caller joined a flight: its first caller (a new flight), or one coalesced onto it. */
  default void onJoin(FlightView flight, CheckRequest caller) {
  }

  /** A flight's exchange with Linq starts ({@link FlightView#attempts()} counts it already). */
  default void onSend(FlightView flight) {
  }

  /** A flight's exchange with Linq ended, after {@code millis}; by default the flight-less event. */
  default void onExchange(FlightView flight, LinqOutcome outcome, long millis) {
    onExchange(outcome, millis);
  }

  /** A transient fault: the flight is sent again after {@code delayMillis}. */
  default void onRetry(FlightView flight, LinqOutcome.TransientFault fault, long delayMillis) {
  }

  /** What Linq says of the gateway's key, on every change. */
  default void onCredentials(CredentialsGuard.State state) {
  }

  /** A 429 started a pause of {@code millis} on a budget: a sender line's, or the account's ({@code null}). */
  default void onPause(String line, long millis) {
  }

  /** A new check was refused at admission (queue full, backlog, pause or pace, budget). */
  default void onRefused(CheckException error) {
  }

  /** A caller was answered at its deadline (429 inside a pause, or 504). */
  default void onDeadline(CheckException error) {
  }

  /**
   * Queue depths, requests in flight, the allowed rate ({@code Infinity} when unpaced) and what it is
   * based on, after a change.
   */
  default void onLoad(int interactiveQueued, int bulkQueued, int inFlight, double ratePerSecond,
                      SendPacer.State pacing) {
  }

  /** A listener that only takes answers (the cache's writer). */
  static DispatchListener answers(BiConsumer<CheckKey, CheckAnswer> sink) {
    return new DispatchListener() {
      @Override
      public void onAnswer(CheckKey key, CheckAnswer answer) {
        sink.accept(key, answer);
      }
    };
  }

  /** Every listener hears every event, in order. */
  static DispatchListener all(DispatchListener... listeners) {
    List<DispatchListener> all = List.of(listeners);
    return new DispatchListener() {
      @Override
      public void onAnswer(CheckKey key, CheckAnswer answer) {
        all.forEach(l -> l.onAnswer(key, answer));
      }

      @Override
      public void onExchange(LinqOutcome outcome, long millis) {
        all.forEach(l -> l.onExchange(outcome, millis));
      }

      @Override
      public void onJoin(FlightView flight, CheckRequest caller) {
        all.forEach(l -> l.onJoin(flight, caller));
      }

      @Override
      public void onSend(FlightView flight) {
        all.forEach(l -> l.onSend(flight));
      }

      @Override
      public void onExchange(FlightView flight, LinqOutcome outcome, long millis) {
        all.forEach(l -> l.onExchange(flight, outcome, millis));
      }

      @Override
      public void onRetry(FlightView flight, LinqOutcome.TransientFault fault, long delayMillis) {
        all.forEach(l -> l.onRetry(flight, fault, delayMillis));
      }

      @Override
      public void onCredentials(CredentialsGuard.State state) {
        all.forEach(l -> l.onCredentials(state));
      }

      @Override
      public void onPause(String line, long millis) {
        all.forEach(l -> l.onPause(line, millis));
      }

      @Override
      public void onRefused(CheckException error) {
        all.forEach(l -> l.onRefused(error));
      }

      @Override
      public void onDeadline(CheckException error) {
        all.forEach(l -> l.onDeadline(error));
      }

      @Override
      public void onLoad(int interactiveQueued, int bulkQueued, int inFlight, double ratePerSecond,
                         SendPacer.State pacing) {
        all.forEach(l -> l.onLoad(interactiveQueued, bulkQueued, inFlight, ratePerSecond, pacing));
      }
    };
  }
}
