package com.linqapp.gateway.cache.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckKey;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@link ResultCache} on Caffeine. Shared by the HTTP event loops and the engine: Caffeine is the one
 * deliberately shared structure, synchronized internally; no Caffeine callback touches Vert.x state
 * (no loaders, no listeners), so its executor never needs to hop back to a context.
 */
public final class CaffeineResultCache implements ResultCache {

  private final Cache<CheckKey, CachedAnswer> entries;
  private final long ttlAvailableMillis;
  private final long ttlUnavailableMillis;
  private final LongSupplier wallClock;

  public CaffeineResultCache(long ttlAvailableMillis, long ttlUnavailableMillis, long staleRetentionMillis,
                             long maxEntries, LongSupplier wallClock) {
    this.ttlAvailableMillis = ttlAvailableMillis;
    this.ttlUnavailableMillis = ttlUnavailableMillis;
    this.wallClock = wallClock;
    this.entries = Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(wallClock.getAsLong()))
        .executor(Runnable::run)
        .expireAfter(Expiry.<CheckKey, CachedAnswer>writing(
            (key, value) -> java.time.Duration.ofMillis(value.ttlMillis() + staleRetentionMillis)))
        .build();
  }

  @Override
  public Future<CachedAnswer> get(CheckKey key) {
    return Future.succeededFuture(entries.getIfPresent(key));
  }

  @Override
  public Future<Void> put(CheckKey key, CheckAnswer answer) {
    long ttl = ttlFor(answer);
    if (ttl > 0) {
      entries.put(key, new CachedAnswer(answer, wallClock.getAsLong(), ttl));
    }
    return Future.succeededFuture();
  }

  @Override
  public void store(CheckKey key, CachedAnswer cached) {
    entries.put(key, cached);
  }

  /** The TTL this cache gives an answer. */
  private long ttlFor(CheckAnswer answer) {
    return answer.available() ? ttlAvailableMillis : ttlUnavailableMillis;
  }

  @Override
  public long now() {
    return wallClock.getAsLong();
  }
}
