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
}
