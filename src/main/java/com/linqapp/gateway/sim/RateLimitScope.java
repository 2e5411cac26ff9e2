package com.linqapp.gateway.sim;

/** What a rate-limit budget is attached to. */
public enum RateLimitScope {
  /** One budget for the whole account. */
  ACCOUNT("account"),
  /** One budget per sender line; a request without {@code from} is assigned a line round-robin. */
  LINE("line");

  private final String wireName;

  RateLimitScope(String wireName) {
    this.wireName = wireName;
  }

  /** @return the name used in JSON configuration and on the command line */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name ({@code account}, {@code line}); the enum constant name is accepted too.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static RateLimitScope parse(String name) {
    for (RateLimitScope s : values()) {
      if (s.wireName.equalsIgnoreCase(name) || s.name().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("Unknown rate limit scope: " + name + " (expected account or line)");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
