package com.linqapp.gateway.cache;

import com.linqapp.gateway.cache.impl.CaffeineResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.function.LongSupplier;

/**
 * Answers Linq gave, by {@link CheckKey}. Only real answers go in: RCS "unknown", errors and 429s never
 * do. Asynchronous so that a shared (clustered) store can stand behind it; the in-memory one completes
 * at once, so the HTTP event loops serve hits without a hop to the engine.
 */
public interface ResultCache {

  /**
   * @param ttlAvailableMillis   freshness of {@code available: true}
   * @param ttlUnavailableMillis freshness of {@code available: false}
   * @param staleRetentionMillis how long past its TTL an answer is kept for {@code max-stale}
   * @param maxEntries           bound on entries (least valuable evicted first)
   * @param wallClock            milliseconds since the epoch, injectable for tests
   */
  static ResultCache create(long ttlAvailableMillis, long ttlUnavailableMillis, long staleRetentionMillis,
                            long maxEntries, LongSupplier wallClock) {
    return create(ttlAvailableMillis, ttlUnavailableMillis, staleRetentionMillis, maxEntries, wallClock, null);
  }

  /**
   * A cache whose size, look-ups and evictions are meters of {@code registry} (Micrometer's Caffeine binder:
   * {@code cache_size}, {@code cache_gets_total}, {@code cache_evictions_total},
   * tagged {@code cache="answers"}).
   *
   * @param registry where to report, or {@code null} for no meters
   */
  static ResultCache create(long ttlAvailableMillis, long ttlUnavailableMillis, long staleRetentionMillis,
                            long maxEntries, LongSupplier wallClock, MeterRegistry registry) {
    return new CaffeineResultCache(ttlAvailableMillis, ttlUnavailableMillis, staleRetentionMillis, maxEntries,
        wallClock, registry);
  }

  /** The entry, fresh or not (the caller judges with {@link CachedAnswer#freshFor}); {@code null} if none. */
  Future<CachedAnswer> get(CheckKey key);

  /**
   * {@link #get(CheckKey)} within {@code maxWaitMillis}: a store that cannot answer by then (a shared one,
   * slow or unreachable) answers {@code null}, a miss, rather than hold the caller back; 0 asks only what
   * this process holds, at once. Never fails.
   */
  default Future<CachedAnswer> get(CheckKey key, long maxWaitMillis) {
    return get(key);
  }

  /** Stores a Linq answer fetched now. */
  Future<Void> put(CheckKey key, CheckAnswer answer);

  /** Keeps an answer fetched elsewhere (another node), with its own fetch time and TTL. */
  void store(CheckKey key, CachedAnswer cached);

  /**
   * Completes when the last {@link #put} of {@code key} can be read by every reader of the cache (another
   * node's, for a shared one), so a caller answered from it finds it wherever it asks next. Never fails.
   */
  default Future<Void> written(CheckKey key) {
    return Future.succeededFuture();
  }

  /** Milliseconds since the epoch on the cache's clock, to judge entries. */
  long now();
}
