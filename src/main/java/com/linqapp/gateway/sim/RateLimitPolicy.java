package com.linqapp.gateway.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/** The budgets for one {@link RateLimitConfig}: one per scope key, created on first use. Event-loop confined. */
final class RateLimitPolicy {

  /** Scope key used when the whole account shares one budget. */
  static final String ACCOUNT_KEY = "account";

  private final RateLimitConfig config;
  private final LongSupplier clock;
  private final Map<String, RateLimiter> limiters = new HashMap<>();

  RateLimitPolicy(RateLimitConfig config, LongSupplier clock) {
    this.config = config;
    this.clock = clock;
  }

  RateLimitConfig config() {
    return config;
  }

  /**
   * The budgets under {@code next}: token buckets of the same scope keep what they hold (a limit changed while it
   * runs: a drop does not hand out a fresh burst), anything else starts afresh.
   */
  RateLimitPolicy retune(RateLimitConfig next) {
    RateLimitPolicy retuned = new RateLimitPolicy(next, clock);
    if (config.mode() == RateLimitMode.TOKEN_BUCKET && next.mode() == RateLimitMode.TOKEN_BUCKET
        && config.scope() == next.scope()) {
      limiters.forEach((key, limiter) -> retuned.limiters.put(key,
          ((TokenBucket) limiter).retuned(next.ratePerSecond(), next.burst())));
    }
    return retuned;
  }

  /** @return the budget key for a request sent from {@code line} */
  String scopeKey(String line) {
    return config.scope() == RateLimitScope.LINE ? line : ACCOUNT_KEY;
  }

  /** @return 0 if admitted, otherwise nanoseconds until the scope's budget has a permit */
  long tryAcquire(String scopeKey) {
    if (config.mode() == RateLimitMode.NONE) {
      return 0;
    }
    return limiters.computeIfAbsent(scopeKey, k -> newLimiter()).tryAcquire();
  }

  private RateLimiter newLimiter() {
    if (config.mode() == RateLimitMode.TOKEN_BUCKET) {
      return new TokenBucket(config.ratePerSecond(), config.burst(), clock);
    }
    return new FixedWindow(config.windowMillis(), config.windowLimit(), clock);
  }
}
