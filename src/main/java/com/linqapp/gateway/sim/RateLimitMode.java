package com.linqapp.gateway.sim;

import java.util.Locale;

/** How the simulator budgets capability checks. */
public enum RateLimitMode {
  /** No rate limiting at all. */
  NONE("none"),
  /** Token bucket: refills at {@code ratePerSecond}, holds at most {@code burst} tokens. */
  TOKEN_BUCKET("token-bucket"),
  /** Fixed window: at most {@code windowLimit} requests per {@code windowMillis}. */
  FIXED_WINDOW("fixed-window");

  private final String wireName;

  RateLimitMode(String wireName) {
    this.wireName = wireName;
  }

  /** @return the name used in JSON configuration and on the command line */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name ({@code none}, {@code token-bucket}, {@code fixed-window}); the enum constant name is accepted too.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static RateLimitMode parse(String name) {
    for (RateLimitMode m : values()) {
      if (m.wireName.equalsIgnoreCase(name) || m.name().equalsIgnoreCase(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("Unknown rate limit mode: " + name + " (expected none, token-bucket or fixed-window)");
  }

  @Override
  public String toString() {
    return wireName.toLowerCase(Locale.ROOT);
  }
}
