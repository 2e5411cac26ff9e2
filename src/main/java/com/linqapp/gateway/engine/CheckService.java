package com.linqapp.gateway.engine;

import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult.Source;
import com.linqapp.gateway.check.CheckResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Answers a check from the cache when the caller's freshness allows, else through the dispatch (this
 * node's dispatcher, or a cluster's owner); a caller who allows {@code max-stale} gets an expired answer
 * instead of waiting out a Linq pause, or instead of an error when Linq is failing. A cache that cannot
 * answer within the check's deadline (a shared one, slow or unreachable) counts as a miss.
 */
public final class CheckService {

  /** Longest an answer waits for the shared cache to hold it. */
  static final long MAX_WRITE_WAIT_MILLIS = 1_000;

  private final ResultCache cache;
  private final Dispatch dispatcher;
  private final Scheduler scheduler;

  public CheckService(ResultCache cache, Dispatch dispatcher, Scheduler scheduler) {
    this.cache = cache;
    this.dispatcher = dispatcher;
    this.scheduler = scheduler;
  }

  public Future<CheckResult> check(CheckRequest request) {
    // Looked up again after the HTTP adapter's look-up: the cache may have filled meanwhile, and event-bus
    // callers come here first.
    return cache.get(request.key(), request.deadlineMillis() - scheduler.now()).compose(cached ->
        // A shared look-up takes time, in which an identical check's flight may have brought its answer here
        // and ended, leaving no flight to join: look again, locally, right before dispatching.
        fresh(cached, request) ? Future.succeededFuture(cached)
            : cache.get(request.key(), 0).map(local -> local != null ? local : cached)
    ).compose(cached -> {
      long now = cache.now();
      if (fresh(cached, request)) {
        return Future.succeededFuture(cached.asResult(Source.HIT, now));
      }
      boolean staleAllowed = cached != null && cached.usableStale(request.freshness(), now);
      long engineNow = scheduler.now();
      if (staleAllowed && dispatcher.pausedUntil(engineNow) > engineNow) {
        return Future.succeededFuture(cached.asResult(Source.STALE, now));
      }
      Future<CheckResult> fresh = dispatcher.submit(request).compose(result -> afterWrite(request, result));
      return staleAllowed ? fresh.recover(failure -> staleOr(failure, cached)) : fresh;
    });
  }

  private boolean fresh(CachedAnswer cached, CheckRequest request) {
    return cached != null && cached.freshFor(request.freshness(), cache.now());
  }

  /**
   * The answer, once the shared cache holds it, so the caller's next check on any node is a hit — but
   * never later than {@link #MAX_WRITE_WAIT_MILLIS} or the check's deadline: a slow cluster map must not
   * hold back an answer the caller is owed.
   */
  private Future<CheckResult> afterWrite(CheckRequest request, CheckResult result) {
    Future<Void> written = cache.written(request.key());
    if (written.isComplete()) {
      return Future.succeededFuture(result);
    }
    Promise<CheckResult> answer = Promise.promise();
    long wait = Math.max(1, Math.min(MAX_WRITE_WAIT_MILLIS, request.deadlineMillis() - scheduler.now()));
    long timer = scheduler.schedule(wait, () -> answer.tryComplete(result));
    written.onComplete(done -> {
      scheduler.cancel(timer);
      answer.tryComplete(result);
    });
    return answer.future();
  }

  /** Linq paused (429) or failing (5xx, 504): the stale answer the caller accepted beats the error. */
  private Future<CheckResult> staleOr(Throwable failure, CachedAnswer cached) {
    if (failure instanceof CheckException error && (error.status() == 429 || error.status() >= 500)) {
      return Future.succeededFuture(cached.asResult(Source.STALE, cache.now()));
    }
    return Future.failedFuture(failure);
  }
}
