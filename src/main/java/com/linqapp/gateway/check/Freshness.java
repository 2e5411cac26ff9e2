package com.linqapp.gateway.check;

import java.util.Locale;

/**
 * A caller's freshness requirements, from HTTP {@code Cache-Control} ({@code max-age=N},
 * {@code no-cache}, {@code max-stale=N}) or the event bus's {@code max_age} / {@code max_stale}.
 *
 * @param maxAgeSeconds   oldest answer accepted, or {@code null} for the cache's TTL; 0 forces a fresh check
 * @param maxStaleSeconds how far past its TTL an answer may be served while Linq is paused or
 *                        failing, or {@code null} for never
 */
public record Freshness(Integer maxAgeSeconds, Integer maxStaleSeconds) {

  /** The cache's own TTLs, no stale answers. */
  public static final Freshness DEFAULT = new Freshness(null, null);

  /** Whether any cached answer may be used without asking Linq. */
  public boolean mayUseCache() {
    return maxAgeSeconds == null || maxAgeSeconds > 0;
  }

  /**
   * Parses {@code Cache-Control}; unknown directives are ignored, as HTTP requires.
   *
   * @throws IllegalArgumentException on a malformed value of a directive the gateway uses
   */
  public static Freshness parseCacheControl(String header) {
    if (header == null || header.isBlank()) {
      return DEFAULT;
    }
    Integer maxAge = null;
    Integer maxStale = null;
    for (String part : header.split(",")) {
      String directive = part.trim().toLowerCase(Locale.ROOT);
      if (directive.equals("no-cache")) {
        maxAge = 0;
      } else if (directive.startsWith("max-age=")) {
        int value = seconds(directive.substring(8), "max-age");
        maxAge = maxAge == null ? value : Math.min(maxAge, value);
      } else if (directive.startsWith("max-stale=")) {
        maxStale = seconds(directive.substring(10), "max-stale");
      } else if (directive.equals("max-stale")) {
        maxStale = Integer.MAX_VALUE;
      }
    }
    return new Freshness(maxAge, maxStale);
  }

  private static int seconds(String value, String directive) {
    try {
      long parsed = Long.parseLong(value.replace("\"", "").trim());
      if (parsed >= 0) {
        return (int) Math.min(parsed, Integer.MAX_VALUE);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("Cache-Control " + directive + " must be a whole number of seconds");
  }
}
