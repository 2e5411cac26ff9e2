package com.linqapp.gateway.sim;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * Immutable rate-limit settings; the simulator rebuilds its budgets (full again) whenever a new instance is installed.
 *
 * @param mode algorithm
 * @param ratePerSecond token-bucket refill rate
 * @param burst token-bucket capacity
 * @param windowMillis fixed-window length
 * @param windowLimit requests admitted per fixed window
 * @param scope one budget per account or per sender line
 */
public record RateLimitConfig(RateLimitMode mode, double ratePerSecond, int burst, long windowMillis, int windowLimit,
    RateLimitScope scope) {

  public RateLimitConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(scope, "scope");
    // Validate through the options setters so the rules live in one place.
    new SimulatorOptions().setRatePerSecond(ratePerSecond).setBurst(burst).setWindowMillis(windowMillis)
        .setWindowLimit(windowLimit);
  }

  /** @return the rate-limit part of {@code options} */
  public static RateLimitConfig of(SimulatorOptions options) {
    return new RateLimitConfig(options.getRateLimitMode(), options.getRatePerSecond(), options.getBurst(),
        options.getWindowMillis(), options.getWindowLimit(), options.getRateLimitScope());
  }

  /** @return a token-bucket configuration with the account scope */
  public static RateLimitConfig tokenBucket(double ratePerSecond, int burst) {
    return new RateLimitConfig(RateLimitMode.TOKEN_BUCKET, ratePerSecond, burst,
        SimulatorOptions.DEFAULT_WINDOW_MILLIS, SimulatorOptions.DEFAULT_WINDOW_LIMIT, RateLimitScope.ACCOUNT);
  }

  /** @return a fixed-window configuration with the account scope */
  public static RateLimitConfig fixedWindow(long windowMillis, int windowLimit) {
    return new RateLimitConfig(RateLimitMode.FIXED_WINDOW, SimulatorOptions.DEFAULT_RATE_PER_SECOND,
        SimulatorOptions.DEFAULT_BURST, windowMillis, windowLimit, RateLimitScope.ACCOUNT);
  }

  /** @return a configuration without rate limiting */
  public static RateLimitConfig none() {
    return of(new SimulatorOptions());
  }

  /** @return the settings under the names {@link SimulatorOptions#toJson()} gives them */
  public JsonObject toJson() {
    return new JsonObject().put("rateLimitMode", mode.wireName()).put("ratePerSecond", ratePerSecond)
        .put("burst", burst).put("windowMillis", windowMillis).put("windowLimit", windowLimit)
        .put("rateLimitScope", scope.wireName());
  }

  /**
   * @param changes any of the fields of {@link #toJson()}; the others keep their value
   * @return these settings with {@code changes} applied
   * @throws IllegalArgumentException for an invalid value
   */
  public RateLimitConfig with(JsonObject changes) {
    SimulatorOptions merged = new SimulatorOptions(toJson().mergeIn(changes));
    return of(merged);
  }

  /** @return a copy with another scope */
  public RateLimitConfig withScope(RateLimitScope newScope) {
    return new RateLimitConfig(mode, ratePerSecond, burst, windowMillis, windowLimit, newScope);
  }
}
