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
