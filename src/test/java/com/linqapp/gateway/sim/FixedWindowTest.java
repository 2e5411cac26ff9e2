package com.linqapp.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FixedWindowTest {

  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong(-5_000 * MS);

  @Test
  void admitsLimitPerWindowThenWaitsForWindowEnd() {
    FixedWindow window = new FixedWindow(5_000, 3, now::get);
    assertThat(window.tryAcquire()).isZero();
    assertThat(window.tryAcquire()).isZero();
    now.addAndGet(1_000 * MS);
    assertThat(window.tryAcquire()).isZero();
    assertThat(window.tryAcquire()).isEqualTo(4_000 * MS);
    now.addAndGet(2_500 * MS);
    long wait = window.tryAcquire();
    assertThat(wait).isEqualTo(1_500 * MS);
    assertThat(RateLimiter.retryAfterSeconds(wait)).isEqualTo(2);
  }

  @Test
  void newWindowStartsAtTheBoundary() {
    FixedWindow window = new FixedWindow(1_000, 1, now::get);
    assertThat(window.tryAcquire()).isZero();
    now.addAndGet(999 * MS);
    assertThat(window.tryAcquire()).isEqualTo(MS);
    now.addAndGet(MS);
    assertThat(window.tryAcquire()).isZero();
    assertThat(window.tryAcquire()).isEqualTo(1_000 * MS);
  }

  @Test
  void windowsStayAlignedAfterIdlePeriods() {
    FixedWindow window = new FixedWindow(1_000, 2, now::get);
    now.addAndGet(7_300 * MS);
    assertThat(window.tryAcquire()).isZero();
    assertThat(window.tryAcquire()).isZero();
    assertThat(window.tryAcquire()).as("window [7000,8000) ends in 700 ms").isEqualTo(700 * MS);
  }

  @Test
  void rejectsInvalidSettings() {
    assertThatThrownBy(() -> new FixedWindow(0, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FixedWindow(1, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
  }
}
