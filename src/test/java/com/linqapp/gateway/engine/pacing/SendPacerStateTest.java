package com.linqapp.gateway.engine.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.engine.pacing.SendPacer.State;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What {@code linq_pacing_state} reports: each pacer's state, and the least paced of several. */
class SendPacerStateTest {

  @Test
  @DisplayName("a known limit is known; no pacing is unpaced")
  void knownAndUnlimited() {
    assertThat(SendPacer.fixed(20, 5).state()).isEqualTo(State.KNOWN);
    assertThat(SendPacer.unlimited().state()).isEqualTo(State.UNPACED);
  }

  @Test
  @DisplayName("an adaptive pacer is unpaced until Linq's first 429, then learning")
  void adaptiveLearnsFromTheFirst429() {
    SendPacer pacer = SendPacer.adaptive();
    for (long now = 0; now < 100; now += 10) {
      pacer.onSend(now);
      pacer.onAnswer(now + 5);
    }
    assertThat(pacer.state()).isEqualTo(State.UNPACED);
    assertThat(pacer.rate()).isInfinite();

    pacer.onSend(100);
    pacer.onThrottle(105, 1_000);

    assertThat(pacer.state()).isEqualTo(State.LEARNING);
    assertThat(pacer.rate()).isFinite().isPositive();
  }

  @Test
  @DisplayName("an adaptive pacer given a starting rate paces, and learns, from the first send")
  void adaptiveWithAStartingRateIsLearning() {
    assertThat(SendPacer.adaptive(10, 1).state()).isEqualTo(State.LEARNING);
  }

  @Test
  @DisplayName("several budgets report the least paced state: one unpaced budget unbounds their sum")
  void loosestOfSeveral() {
    assertThat(State.KNOWN.loosest(State.LEARNING)).isEqualTo(State.LEARNING);
    assertThat(State.LEARNING.loosest(State.UNPACED)).isEqualTo(State.UNPACED);
    assertThat(State.KNOWN.loosest(State.KNOWN)).isEqualTo(State.KNOWN);
    assertThat(State.UNPACED.loosest(State.KNOWN)).isEqualTo(State.UNPACED);
  }
}
