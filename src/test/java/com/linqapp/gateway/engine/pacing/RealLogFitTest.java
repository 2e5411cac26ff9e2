package com.linqapp.gateway.engine.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Fits of logs the real jar recorded: the noise the virtual clock does not make. */
class RealLogFitTest {

  @Test
  @DisplayName("a long tracking episode that ends in a 429 pins the rate once the cold opening is forgotten")
  void trackingEpisodePinsTheRate() throws IOException {
    LimitModel model = new LimitModel();
    ExchangeLog log = load(model, "tracking-429.txt");
    // What the pacer had learnt before: 202.8-205.2/s, tracked at 1 % below, 0.4 % above Linq's 200/s.
    model.adopt(new LimitEstimate(LimitEstimate.Shape.BUCKET, 202.80, 205.16, 42, 0));

    // The opening (sent by cold JVMs) contradicts the rest by three tokens, more than the jitter allows.
    assertThat(model.fit(log, 1, 3.0)).isNull();
    assertThat(model.forgetOldestEpisode()).isTrue();
    // Its answers still in flight at its refusal go with it, and the valley the long episode leaves around 200/s,
    // half a percent wide, is searched finely: before, no rate fitted and the pacer explored again from nothing.
    LimitEstimate fit = model.fit(log, 1, 3.0);
    assertThat(fit).isNotNull();
    assertThat(fit.minRate()).isBetween(199.0, 200.0);
    assertThat(fit.maxRate()).isBetween(200.0, 201.0);
    assertThat(fit.burst()).isBetween(45.0, 50.0);
  }

  /** Reads a log written as lines of {@code <send time, ms> <outcome, with ExchangeLog.RESUME added>}. */
  private static ExchangeLog load(LimitModel model, String resource) throws IOException {
    ExchangeLog log = model.newLog();
    try (InputStream in = RealLogFitTest.class.getResourceAsStream(resource)) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] fields = line.trim().split(" ");
        long at = Long.parseLong(fields[0]);
        int outcome = Integer.parseInt(fields[1]);
        log.sent(at, (outcome & ExchangeLog.RESUME) != 0);
        if ((outcome & ~ExchangeLog.RESUME) != ExchangeLog.PENDING) {
          log.resolved(at, at, (outcome & ~ExchangeLog.RESUME) == ExchangeLog.ADMITTED);
        }
      }
    }
    return log;
  }
}
