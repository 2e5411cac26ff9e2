package com.linqapp.gateway.cache.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@link ResultCache} on Caffeine. Shared by the HTTP event loops and the engine: Caffeine is the one
 * deliberately shared structure, synchronized internally; no Caffeine callback touches Vert.x state
 * (no loaders, no listeners), so its executor never needs to hop back to a context. With a registry, Caffeine
 * records its statistics (striped counters, cheap on the hit path) for Micrometer's binder.
 */
public final class CaffeineResultCache implements ResultCache {

  private final Cache<CheckKey, CachedAnswer> entries;
  private final long ttlAvailableMillis;
  private final long ttlUnavailableMillis;
  private final LongSupplier wallClock;

  /** The {@code cache} tag of the answer cache's meters. */
  public static final String METER_NAME = "answers";

  /** @param registry where Micrometer's Caffeine binder reports, or {@code null} */
  public CaffeineResultCache(long ttlAvailableMillis, long ttlUnavailableMillis, long staleRetentionMillis,
                             long maxEntries, LongSupplier wallClock, MeterRegistry registry) {
    this.ttlAvailableMillis = ttlAvailableMillis;
    this.ttlUnavailableMillis = ttlUnavailableMillis;
    this.wallClock = wallClock;
    Caffeine<Object, Object> builder = Caffeine.newBuilder();
    if (registry != null) {
      builder.recordStats();
    }
    this.entries = builder
        .maximumSize(maxEntries)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(wallClock.getAsLong()))
        .executor(Runnable::run)
        .expireAfter(Expiry.<CheckKey, CachedAnswer>writing(
            (key, value) -> java.time.Duration.ofMillis(value.ttlMillis() + staleRetentionMillis)))
        .build();
    if (registry != null) {
      CaffeineCacheMetrics.monitor(registry, entries, METER_NAME);
    }
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
