package com.linqapp.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AvailabilityTest {

  @Test
  void validatesAddresses() {
    assertThat(Availability.isE164("+12025550123")).isTrue();
    assertThat(Availability.isE164("+1202")).isFalse();
    assertThat(Availability.isE164("12025550123")).isFalse();
    assertThat(Availability.isE164("+02025550123")).isFalse();
    assertThat(Availability.isEmail("a@b.co")).isTrue();
    assertThat(Availability.isEmail("a@b")).isFalse();
  }

  @Test
  void percentBoundsAndServiceNames() {
    assertThat(Availability.expectedAvailable("iMessage", "+12025550123", 0)).isFalse();
    assertThat(Availability.expectedAvailable("RCS", "+12025550123", 100)).isTrue();
    assertThat(Availability.expectedAvailable("imessage", "+12025550123", 50))
        .isEqualTo(Availability.expectedAvailable("iMessage", "+12025550123", 50));
  }

  @Test
  void roughlyTheConfiguredShareIsAvailable() {
    int available = 0;
    for (int i = 0; i < 10_000; i++) {
      if (Availability.expectedAvailable("iMessage", "+1202555" + String.format("%04d", i), 70)) {
        available++;
      }
    }
    assertThat(available).isBetween(6_700, 7_300);
  }
}
