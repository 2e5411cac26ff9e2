package com.linqapp.gateway.engine.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GcraPacerShareTest {

  private static int sendsAtOnce(SendPacer pacer, long now) {
    int sent = 0;
    while (pacer.nextSendAt(now) <= now && sent < 1_000) {
      pacer.onSend(now);
      sent++;
    }
    return sent;
  }

  @Test
  @DisplayName("a cluster share splits the burst too: two nodes at 1/2 together burst the account's burst, not twice it")
  void shareSplitsBurst() {
    SendPacer whole = SendPacer.fixed(20, 10);
    assertThat(sendsAtOnce(whole, 0)).isEqualTo(10);

    SendPacer half = SendPacer.fixed(20, 10);
    half.share(0.5);
    assertThat(half.rate()).isEqualTo(10.0);
    assertThat(sendsAtOnce(half, 0)).isEqualTo(5);

    SendPacer third = SendPacer.fixed(20, 10);
    third.share(1.0 / 3);
    assertThat(sendsAtOnce(third, 0)).isEqualTo(3);

    SendPacer tiny = SendPacer.fixed(20, 1);
    tiny.share(0.5);
    assertThat(sendsAtOnce(tiny, 0)).isEqualTo(1);
  }

  @Test
  @DisplayName("after a pause (own or announced) a known-limit pacer resumes at its steady pace, not in a burst")
  void pauseEndResumesSteady() {
    SendPacer pacer = SendPacer.fixed(20, 10);
    pacer.share(0.5);
    pacer.onPauseEnd(1_000);
    assertThat(pacer.nextSendAt(1_000)).isEqualTo(1_000);
    assertThat(sendsAtOnce(pacer, 1_000)).isEqualTo(1);
    assertThat(pacer.nextSendAt(1_000)).isEqualTo(1_100);
  }
}
