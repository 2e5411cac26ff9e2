package com.linqapp.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong(123_456_789L);

  @Test
  void startsFullAndDeniesWhenEmpty() {
    TokenBucket bucket = new TokenBucket(10, 3, now::get);
    assertThat(bucket.tryAcquire()).isZero();
    assertThat(bucket.tryAcquire()).isZero();
    assertThat(bucket.tryAcquire()).isZero();
    assertThat(bucket.tryAcquire()).isEqualTo(100 * MS);
    assertThat(bucket.tryAcquire()).as("a denial consumes nothing").isEqualTo(100 * MS);
  }

  @Test
  void refillsOneTokenPerInterval() {
    TokenBucket bucket = new TokenBucket(10, 1, now::get);
    assertThat(bucket.tryAcquire()).isZero();
    now.addAndGet(40 * MS);
    assertThat(bucket.tryAcquire()).isEqualTo(60 * MS);
    now.addAndGet(60 * MS);
    assertThat(bucket.tryAcquire()).isZero();
    assertThat(bucket.tryAcquire()).isEqualTo(100 * MS);
  }

  @Test
  void idleTimeNeverBanksMoreThanBurst() {
    TokenBucket bucket = new TokenBucket(2, 2, now::get);
    now.addAndGet(60_000 * MS);
    assertThat(bucket.tryAcquire()).isZero();
    assertThat(bucket.tryAcquire()).isZero();
    assertThat(bucket.tryAcquire()).isEqualTo(500 * MS);
  }

  @Test
  void sustainedRateMatchesConfiguredRate() {
    TokenBucket bucket = new TokenBucket(5, 5, now::get);
    int admitted = 0;
    for (int ms = 0; ms < 10_000; ms++) {
      while (bucket.tryAcquire() == 0) {
        admitted++;
      }
      now.addAndGet(MS);
    }
    // 5 initial tokens + 5/s over the 9.999 s during which time advanced before the last attempt.
    assertThat(admitted).isEqualTo(5 + 49);
  }

  @Test
  void fractionalRates() {
    TokenBucket bucket = new TokenBucket(0.5, 1, now::get);
    assertThat(bucket.intervalNanos()).isEqualTo(2_000 * MS);
    assertThat(bucket.tryAcquire()).isZero();
    now.addAndGet(500 * MS);
    long wait = bucket.tryAcquire();
    assertThat(wait).isEqualTo(1_500 * MS);
    assertThat(RateLimiter.retryAfterSeconds(wait)).isEqualTo(2);
  }

  @Test
  void aRetunedBucketKeepsWhatItHeld() {
    TokenBucket bucket = new TokenBucket(10, 5, now::get);
    bucket.tryAcquire();
    bucket.tryAcquire();
    assertThat(bucket.tokens()).isEqualTo(3.0);
    TokenBucket slower = bucket.retuned(2, 5);
    assertThat(slower.tokens()).as("held tokens carry over").isEqualTo(3.0);
    for (int i = 0; i < 3; i++) {
      assertThat(slower.tryAcquire()).isZero();
    }
    assertThat(slower.tryAcquire()).as("then the new rate: a token every 500 ms").isEqualTo(500 * MS);
    TokenBucket smaller = new TokenBucket(10, 5, now::get).retuned(10, 2);
    assertThat(smaller.tokens()).as("never more than the new burst").isEqualTo(2.0);
  }

  @Test
  void rejectsInvalidSettings() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(1, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryAfterRoundsUpWithMinimumOne() {
    assertThat(RateLimiter.retryAfterSeconds(1)).isEqualTo(1);
    assertThat(RateLimiter.retryAfterSeconds(999 * MS)).isEqualTo(1);
    assertThat(RateLimiter.retryAfterSeconds(1_000 * MS)).isEqualTo(1);
    assertThat(RateLimiter.retryAfterSeconds(1_001 * MS)).isEqualTo(2);
    assertThat(RateLimiter.retryAfterSeconds(4_200 * MS)).isEqualTo(5);
  }
}
