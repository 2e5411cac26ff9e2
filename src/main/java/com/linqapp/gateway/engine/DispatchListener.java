package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.linq.LinqOutcome;

/**
 * What the dispatcher tells the rest of the gateway: answers (for the cache) and the events metrics
 * count. Called on the engine's event loop; implementations must not block.
 */
public interface DispatchListener {

  /** Linq answered; called even when no caller waits any more. */
  default void onAnswer(CheckKey key, CheckAnswer answer) {
  }

  /** One exchange with Linq ended, after {@code millis}. */
  default void onExchange(LinqOutcome outcome, long millis) {
  }

  /** A 429 started a pause of {@code millis} on a budget. */
  default void onPause(long millis) {
  }

  /** A new check was refused at admission (queue full, backlog, pause or pace, budget). */
  default void onRefused(CheckException error) {
  }

  /** A caller was answered at its deadline (429 inside a pause, or 504). */
  default void onDeadline(CheckException error) {
  }

  /** Queue depths, requests in flight and the allowed rate after a change. */
  default void onLoad(int interactiveQueued, int bulkQueued, int inFlight, double ratePerSecond) {
  }
}
