package com.linqapp.gateway.http;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** {@code X-Request-Id}: the caller's when it is a sane token, else a new one. */
final class RequestIds {

  static final String HEADER = "X-Request-Id";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

  private RequestIds() {
  }

  /** A caller's id is echoed only when it is a short token, so it cannot inject into logs. */
  static String accept(String fromCaller) {
    return fromCaller != null && SAFE.matcher(fromCaller).matches() ? fromCaller : generate();
  }

  /**
   * A random UUID-shaped id. Correlation needs uniqueness, not unpredictability, so it comes from
   * {@link ThreadLocalRandom} rather than {@link java.util.UUID#randomUUID()}'s shared SecureRandom,
   * which every request on every event loop would otherwise contend for.
   */
  static String generate() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }
}
