package com.linqapp.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BackoffPolicyTest {

  @Test
  @DisplayName("full jitter spans zero to the exponential ceiling, capped")
  void fullJitterBounds() {
    BackoffPolicy top = BackoffPolicy.exponentialFullJitter(100, 1_000, () -> 0.999_999);
    BackoffPolicy bottom = BackoffPolicy.exponentialFullJitter(100, 1_000, () -> 0.0);
    assertThat(top.delayMillis(1)).isEqualTo(100);
    assertThat(top.delayMillis(2)).isEqualTo(200);
    assertThat(top.delayMillis(3)).isEqualTo(400);
    assertThat(top.delayMillis(10)).isEqualTo(1_000);
    assertThat(top.delayMillis(1_000)).isEqualTo(1_000);
    assertThat(bottom.delayMillis(5)).isZero();
  }

  @Test
  @DisplayName("a policy whose base exceeds its cap is refused")
  void invalidPolicyRefused() {
    assertThatThrownBy(() -> BackoffPolicy.exponentialFullJitter(500, 100, () -> 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
