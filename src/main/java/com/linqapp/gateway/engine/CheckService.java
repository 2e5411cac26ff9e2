package com.linqapp.gateway.engine;

import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.CheckResult.Source;
import io.vertx.core.Future;

/**
 * Answers a check from the cache when the caller's freshness allows, else through the dispatcher; a
 * caller who allows {@code max-stale} gets an expired answer instead of waiting out a Linq pause, or
 * instead of an error when Linq is failing.
 */
public final class CheckService {

  private final ResultCache cache;
  private final Dispatcher dispatcher;
  private final Scheduler scheduler;

  public CheckService(ResultCache cache, Dispatcher dispatcher, Scheduler scheduler) {
    this.cache = cache;
    this.dispatcher = dispatcher;
    this.scheduler = scheduler;
  }

  public Future<CheckResult> check(CheckRequest request) {
    return cache.get(request.key()).compose(cached -> {
      long now = cache.now();
      if (cached != null && cached.freshFor(request.freshness(), now)) {
        return Future.succeededFuture(cached.asResult(Source.HIT, now));
      }
      boolean staleAllowed = cached != null && cached.usableStale(request.freshness(), now);
      long engineNow = scheduler.now();
      if (staleAllowed && dispatcher.pausedUntil(engineNow) > engineNow) {
        return Future.succeededFuture(cached.asResult(Source.STALE, now));
      }
      // answer once the shared cache holds it, so the caller's next check on any node is a hit
      Future<CheckResult> fresh = dispatcher.submit(request)
          .compose(result -> cache.written(request.key()).map(result));
      return staleAllowed ? fresh.recover(failure -> staleOr(failure, cached)) : fresh;
    });
  }

  /** Linq paused (429) or failing (5xx, 504): the stale answer the caller accepted beats the error. */
  private Future<CheckResult> staleOr(Throwable failure, CachedAnswer cached) {
    if (failure instanceof CheckException error && (error.status() == 429 || error.status() >= 500)) {
      return Future.succeededFuture(cached.asResult(Source.STALE, cache.now()));
    }
    return Future.failedFuture(failure);
  }
}
