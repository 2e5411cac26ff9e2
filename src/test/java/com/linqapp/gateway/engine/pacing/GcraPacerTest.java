package com.linqapp.gateway.engine.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GcraPacerTest {

  private static int sendsAtOnce(SendPacer pacer, long now) {
    int sent = 0;
    while (pacer.nextSendAt(now) <= now && sent < 1_000) {
      pacer.onSend(now);
      sent++;
    }
    return sent;
  }

  @Test
  @DisplayName("a known limit lets its burst go at once, then one send per interval")
  void burstThenInterval() {
    SendPacer pacer = SendPacer.fixed(20, 10);
    assertThat(sendsAtOnce(pacer, 0)).isEqualTo(10);
    assertThat(pacer.nextSendAt(0)).isEqualTo(50);
    assertThat(pacer.rate()).isEqualTo(20.0);
  }

  @Test
  @DisplayName("after a pause (own or announced) a known-limit pacer resumes at its steady pace, not in a burst")
  void pauseEndResumesSteady() {
    SendPacer pacer = SendPacer.fixed(20, 10);
    pacer.onPauseEnd(1_000);
    assertThat(pacer.nextSendAt(1_000)).isEqualTo(1_000);
    assertThat(sendsAtOnce(pacer, 1_000)).isEqualTo(1);
    assertThat(pacer.nextSendAt(1_000)).isEqualTo(1_050);
  }

  @Test
  @DisplayName("a known limit has nothing to hand over, and ignores what another pacer learnt")
  void knownLimitHandsNothingOver() {
    SendPacer pacer = SendPacer.fixed(20, 10);
    assertThat(pacer.learnt()).isNull();
    pacer.adopt(new LimitEstimate(LimitEstimate.Shape.BUCKET, 5, 5, 3, 0), 0);
    assertThat(pacer.rate()).isEqualTo(20.0);
    assertThat(sendsAtOnce(pacer, 0)).isEqualTo(10);
  }

  @Test
  @DisplayName("a known limit is paced 1% under it with a quarter of Linq's burst in reserve, so Linq's bucket refills under steady load")
  void belowKnownLimitGivesLinqsBucketBack() {
    SendPacer pacer = SendPacer.belowKnownLimit(200, 50);
    assertThat(pacer.rate()).isEqualTo(198.0);
    assertThat(SendPacer.belowKnownLimit(200, 5).nextSendAt(0)).isZero();
    assertThat(sendsAtOnce(SendPacer.belowKnownLimit(200, 5), 0)).isEqualTo(4);
    assertThat(sendsAtOnce(SendPacer.belowKnownLimit(2, 1), 0)).isEqualTo(1);

    // Linq's own bucket (200/s, 50 tokens, full at the start) under a sender that sends whenever the pacer lets it.
    double linqTokens = 50;
    double lowest = linqTokens;
    long last = 0;
    for (long now = 0; now <= 30_000; now++) {
      linqTokens = Math.min(50, linqTokens + (now - last) * 0.2);
      last = now;
      while (pacer.nextSendAt(now) <= now) {
        pacer.onSend(now);
        linqTokens -= 1;
        lowest = Math.min(lowest, linqTokens);
      }
    }
    assertThat(lowest).as("never below the reserve").isGreaterThanOrEqualTo(11.0);
    assertThat(linqTokens).as("full again after 30 s of steady sending (but for a send just made)").isBetween(49.0, 50.0);
  }
}
