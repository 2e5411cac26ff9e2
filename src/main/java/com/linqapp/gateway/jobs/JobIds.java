package com.linqapp.gateway.jobs;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Random;

/**
 * Job ids: {@code j}, then 10 base-32 characters of creation time in milliseconds and 16 random ones (80
 * bits), so ids sort by creation (newest-first lists and their paging need no other index) and cannot be
 * guessed. Within one millisecond the random part counts up, so ids made in a row still sort. Thread-safe.
 */
public final class JobIds {

  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final long RANDOM_MASK = (1L << 40) - 1;

  private final Random random;
  private long lastMillis = -1;
  private long high;
  private long low;

  public JobIds() {
    this(new SecureRandom());
  }

  public JobIds(Random random) {
    this.random = random;
  }

  public synchronized String next(Instant now) {
    long millis = Math.max(now.toEpochMilli(), lastMillis);
    if (millis == lastMillis) {
      low = (low + 1) & RANDOM_MASK;
      if (low == 0) {
        high = (high + 1) & RANDOM_MASK;
      }
    } else {
      lastMillis = millis;
      high = random.nextLong() & RANDOM_MASK;
      low = random.nextLong() & RANDOM_MASK >>> 1; // room to count up within the millisecond
    }
    StringBuilder id = new StringBuilder(27).append('j');
    append(id, millis, 10);
    append(id, high, 8);
    append(id, low, 8);
    return id.toString();
  }

  private static void append(StringBuilder id, long value, int chars) {
    for (int i = chars - 1; i >= 0; i--) {
      id.append(ALPHABET[(int) (value >>> (5 * i)) & 31]);
    }
  }
}
