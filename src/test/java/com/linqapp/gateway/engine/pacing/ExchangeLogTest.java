package com.linqapp.gateway.engine.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ExchangeLogTest {

  @Test
  @DisplayName("a request that waited for its connection moves to when it left, past the later ones that left before it")
  void requestsMoveToWhenTheyLeft() {
    ExchangeLog log = new ExchangeLog(64);
    log.sent(0);
    log.sent(100, true); // the first after a pause
    log.sent(100);
    log.sent(110);
    log.resolved(100, 140, true); // waited 40 ms for a connection
    log.resolved(110, 110, false);
    log.resolved(100, 120, true);
    log.resolved(0, 0, true);

    assertThat(times(log)).containsExactly(0L, 110L, 120L, 140L);
    assertThat(outcomes(log)).containsExactly(ExchangeLog.ADMITTED, ExchangeLog.REFUSED, ExchangeLog.ADMITTED,
        ExchangeLog.ADMITTED);
    // The pause's end is still where sending resumed: everything after it was sent after the pause.
    assertThat(log.resumed(1)).isTrue();
    assertThat(log.resumed(2) || log.resumed(3)).isFalse();
  }

  private static List<Long> times(ExchangeLog log) {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      times.add(log.sentAt(i));
    }
    return times;
  }

  private static List<Byte> outcomes(ExchangeLog log) {
    List<Byte> outcomes = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      outcomes.add(log.outcome(i));
    }
    return outcomes;
  }
}
