package com.linqapp.gateway.linq;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;

/**
 * Reads a 429's delay: the longer of {@code Retry-After} (seconds or an HTTP-date) and the body's {@code retry_after}
 * (seconds). Both say how long Linq's limit needs; should they disagree, waiting the shorter would send into a
 * limit that has said it is still closed, and each such request is another 429 and another pause.
 */
public final class RetryAfter {

  /** A 429 never pauses the gateway longer than this, whatever it says. */
  static final long MAX_MILLIS = 3_600_000;

  private RetryAfter() {
  }

  /**
   * @param header    the {@code Retry-After} header, or {@code null}
   * @param bodyValue the body's {@code retry_after} in seconds, or {@code null}
   * @param nowMillis wall-clock time, to turn an HTTP-date into a delay
   * @return the delay in milliseconds, when either source gives one
   */
  public static OptionalLong delayMillis(String header, Number bodyValue, long nowMillis) {
    OptionalLong fromHeader = parseHeader(header, nowMillis);
    OptionalLong fromBody = parseBody(bodyValue);
    if (fromHeader.isPresent() && fromBody.isPresent()) {
      return OptionalLong.of(Math.max(fromHeader.getAsLong(), fromBody.getAsLong()));
    }
    return fromHeader.isPresent() ? fromHeader : fromBody;
  }

  private static OptionalLong parseBody(Number bodyValue) {
    if (bodyValue == null || !(bodyValue.doubleValue() >= 0)) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(clamp((long) Math.ceil(bodyValue.doubleValue() * 1000)));
  }

  static OptionalLong parseHeader(String header, long nowMillis) {
    if (header == null || header.isBlank()) {
      return OptionalLong.empty();
    }
    String value = header.trim();
    try {
      double seconds = Double.parseDouble(value);
      return seconds >= 0 && !Double.isNaN(seconds)
          ? OptionalLong.of(clamp((long) Math.ceil(seconds * 1000))) : OptionalLong.empty();
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return OptionalLong.of(clamp(at.toEpochMilli() - nowMillis));
      } catch (DateTimeParseException notADate) {
        return OptionalLong.empty();
      }
    }
  }

  private static long clamp(long millis) {
    return Math.max(0, Math.min(MAX_MILLIS, millis));
  }
}
