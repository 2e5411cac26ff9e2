package com.linqapp.gateway.engine.pacing;

import java.util.Arrays;

/**
 * The last round trips to Linq, for how much the way there varies: the fit's jitter allowance. A request's arrival
 * at Linq is taken to be its send time; when the round trips spread (a loaded machine stalls the event loops of both
 * ends, the network queues), so does the way there. A third of the spread between the 10th and 90th percentiles:
 * 20 ms +- 5 gives about 2.7 ms.
 */
final class RoundTrips {

  /** Round trips kept. */
  static final int SIZE = 64;
  /** Fewer than this say nothing about a spread. */
  static final int MIN_SAMPLES = 8;
  static final double DEFAULT_JITTER_MILLIS = 2.5;
  static final double MIN_JITTER_MILLIS = 1;
  static final double MAX_JITTER_MILLIS = 50;

  private final long[] millis = new long[SIZE];
  private int count;

  void add(long roundTripMillis) {
    millis[count++ % SIZE] = roundTripMillis;
  }

  double jitterMillis() {
    int n = Math.min(count, SIZE);
    if (n < MIN_SAMPLES) {
      return DEFAULT_JITTER_MILLIS;
    }
    long[] sorted = Arrays.copyOf(millis, n);
    Arrays.sort(sorted);
    double spread = sorted[(int) (0.9 * (n - 1))] - sorted[(int) (0.1 * (n - 1))];
    return Math.max(MIN_JITTER_MILLIS, Math.min(MAX_JITTER_MILLIS, spread / 3));
  }
}
