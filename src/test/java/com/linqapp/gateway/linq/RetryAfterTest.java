package com.linqapp.gateway.linq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

  private static final long NOW = Instant.parse("2026-11-26T12:00:00Z").toEpochMilli();

  @Test
  @DisplayName("Retry-After seconds and the body's retry_after: the longer of the two")
  void longerOfHeaderAndBody() {
    assertThat(RetryAfter.delayMillis("7", 45, NOW)).hasValue(45_000);
    assertThat(RetryAfter.delayMillis("45", 7, NOW)).hasValue(45_000);
    assertThat(RetryAfter.delayMillis("1", 1, NOW)).hasValue(1_000);
    assertThat(RetryAfter.delayMillis("0.5", null, NOW)).hasValue(500);
    assertThat(RetryAfter.delayMillis(null, 2.5, NOW)).hasValue(2_500);
  }

  @Test
  @DisplayName("an HTTP-date Retry-After becomes the delay until that date, and is compared with the body's")
  void headerDate() {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(NOW + 30_000).atZone(ZoneOffset.UTC));
    assertThat(RetryAfter.delayMillis(date, null, NOW)).hasValue(30_000);
    assertThat(RetryAfter.delayMillis(date, 45, NOW)).hasValue(45_000);
    assertThat(RetryAfter.delayMillis(date, 5, NOW)).hasValue(30_000);
  }

  @Test
  @DisplayName("without a usable header, the body's retry_after counts; without either, nothing")
  void bodyFallback() {
    assertThat(RetryAfter.delayMillis("soon", 45, NOW)).hasValue(45_000);
    assertThat(RetryAfter.delayMillis(null, null, NOW)).isEmpty();
    assertThat(RetryAfter.delayMillis("-3", null, NOW)).isEmpty();
    assertThat(RetryAfter.delayMillis("2", -1, NOW)).hasValue(2_000);
    assertThat(RetryAfter.delayMillis(null, Double.NaN, NOW)).isEmpty();
  }

  @Test
  @DisplayName("absurd delays are capped at an hour")
  void capped() {
    assertThat(RetryAfter.delayMillis("99999999", null, NOW)).hasValue(RetryAfter.MAX_MILLIS);
  }
}
