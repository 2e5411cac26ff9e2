package com.linqapp.gateway.engine;

import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.linq.LinqOutcome;

/** Puts every Linq answer in the cache, and passes every event on (to metrics). */
final class CachingListener implements DispatchListener {

  private final ResultCache cache;
  private final DispatchListener next;

  CachingListener(ResultCache cache, DispatchListener next) {
    this.cache = cache;
    this.next = next;
  }

  @Override
  public void onAnswer(CheckKey key, CheckAnswer answer) {
    cache.put(key, answer);
    next.onAnswer(key, answer);
  }

  @Override
  public void onExchange(LinqOutcome outcome, long millis) {
    next.onExchange(outcome, millis);
  }

  @Override
  public void onPause(long millis) {
    next.onPause(millis);
  }

  @Override
  public void onRefused(CheckException error) {
    next.onRefused(error);
  }

  @Override
  public void onDeadline(CheckException error) {
    next.onDeadline(error);
  }

  @Override
  public void onLoad(int interactiveQueued, int bulkQueued, int inFlight, double ratePerSecond) {
    next.onLoad(interactiveQueued, bulkQueued, inFlight, ratePerSecond);
  }
}
