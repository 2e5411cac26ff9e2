package com.linqapp.gateway.engine.pacing;

/**
 * Learns an unknown rate limit from 429s: the client rate limiter of the AWS SDKs' "adaptive" retry
 * mode (botocore {@code ClientRateLimiter} + {@code CubicCalculator}), adapted to this engine.
 *
 * <p>How it works:
 * <ul>
 *   <li>Until the first 429 nothing is paced (or, if a starting rate was given, requests go at that
 *       rate and probe upwards from it). Without a 429 there is nothing to learn from.
 *   <li>The allowed rate is the fill rate of a token bucket of {@code burst} tokens; {@link #nextSendAt}
 *       computes when the next token is due, so the engine arms one timer instead of polling.
 *   <li>The transmit rate actually achieved is measured with an EWMA (weight {@value #SMOOTHING} on
 *       the newest) over {@value #BUCKET_MILLIS} ms buckets of sends.
 *   <li>On a 429 the rate we were really sending at ({@code min(measured, allowed)}) becomes the
 *       ceiling {@code wMax}, and the allowed rate drops to {@code BETA * wMax} (multiplicative
 *       decrease: never resume at the speed that was refused).
 *   <li>On every other answer the rate climbs back along the CUBIC curve
 *       {@code W(t) = c (t - k)^3 + P}, t = seconds since the last 429: fast while far below the
 *       old ceiling, flat near it (where the limit probably is), then accelerating past it to find
 *       headroom if the limit went up. Growth is capped at twice the measured rate, so a rate the
 *       sender never used is not granted on credit.
 * </ul>
 *
 * <p>Adaptations to the SDK algorithm, and why:
 * <ul>
 *   <li><b>Slow limits.</b> With the SDK's fixed {@code C = 0.4}, the plateau length is
 *       {@code k = cbrt(wMax (1 - BETA) / C)} seconds: 3.3 s at 50/s but 0.4 s at 0.1/s, i.e. less
 *       than one request, so every request after a 429 would probe above the limit. Here {@code k}
 *       is never shorter than {@value #MIN_RECOVERY_SENDS} requests at {@code wMax} (and {@code c}
 *       is derived from it), so at slow limits the climb back spans several requests.
 *   <li><b>An answer never lowers the rate.</b> The 2x cap only limits growth; a quiet spell (low
 *       measured rate) does not throw away what was learnt. Only a 429 lowers the rate.
 *   <li><b>One decrease per 429 episode.</b> A 429 only counts if a request left after the previous
 *       429: requests already in flight when Linq started refusing come back 429 too, and cutting the
 *       rate by {@code BETA} once per such request would collapse it.
 *   <li><b>A burst is measured.</b> Before the first complete bucket the EWMA knows nothing, so the
 *       sends in the current bucket divided by its width stand in for it (otherwise the first 429 of
 *       an unpaced burst would set the rate to the floor).
 *   <li><b>A plateau below the ceiling, held before probing.</b> The curve levels off at
 *       {@code P = (1 - HEADROOM) wMax} rather than at {@code wMax}, and stays there for a hold time
 *       before probing above it. Each Linq 429 costs a whole {@code Retry-After} pause (whole seconds),
 *       so probing into the ceiling every few seconds, as plain CUBIC does, costs more than it finds.
 *       A 429 found by a probe above the plateau confirms the ceiling: the rate returns straight to the
 *       plateau (no 0.7 cut — it was the probe that was too fast, not the plateau) and the hold doubles
 *       (from {@value #BASE_HOLD_SECONDS} s up to {@value #MAX_HOLD_SECONDS} s). A 429 at or below the
 *       plateau means the limit dropped: the usual 0.7 cut, and the hold resets.
 *   <li><b>A floor</b> of {@value #MIN_RATE}/s: one request every 20 s still probes.
 *   <li><b>Share.</b> The learnt rate is the account's; this pacer sends at {@code share} of it, and
 *       measured rates are divided by {@code share} before they are compared with it.
 * </ul>
 */
final class AdaptivePacer implements SendPacer {

  /** Multiplicative decrease on a 429 (the SDKs' and TCP CUBIC's beta). */
  static final double BETA = 0.7;
  /** CUBIC scaling constant, requests/s per s^3. */
  static final double CUBIC_SCALE = 0.4;
  /** A success may raise the rate to at most this multiple of the measured transmit rate. */
  static final double MAX_GROWTH_OVER_MEASURED = 2.0;
  /** EWMA weight of the newest bucket of the measured transmit rate. */
  static final double SMOOTHING = 0.8;
  /** Width of a measurement bucket. */
  static final long BUCKET_MILLIS = 500;
  /** Lowest rate ever allowed, requests/s. */
  static final double MIN_RATE = 0.05;
  /** The climb back to the old ceiling takes at least this many requests' time at that ceiling. */
  static final double MIN_RECOVERY_SENDS = 10;
  /** The curve levels off this far below the ceiling, so jitter around the limit does not cost 429s. */
  static final double HEADROOM = 0.05;
  /** Time spent on the plateau before probing above it, after a first decrease. */
  static final double BASE_HOLD_SECONDS = 5;
  /** Each probe that finds the same ceiling doubles the hold, up to this... */
  static final double MAX_HOLD_SECONDS = 60;
  /** ...or this many requests' time, at a slow limit. */
  static final double MAX_HOLD_SENDS = 100;
  /** A probe refused above this multiple of the ceiling means the limit went up. */
  static final double RAISE_ON_PROBE = 1.2;
  /** Shortest window a rate is measured over. */
  static final long MIN_MEASURE_MILLIS = 100;
  /** After the first 429 the rate doubles at most this often until the next 429 (slow start)... */
  static final long SLOW_START_DOUBLING_MILLIS = 500;
  /** ...and only after this many answers at the current rate. */
  static final int SLOW_START_ANSWERS = 2;

  private static final long UNSET = Long.MIN_VALUE;

  private final int burst;
  private double share = 1.0;

  /** Whether the bucket paces at all: from the first 429, or from the start with a starting rate. */
  private boolean enabled;
  /** Allowed rate for the whole account, requests/s (this pacer's is {@code fillRate * share}). */
  private double fillRate = Double.POSITIVE_INFINITY;
  private double tokens;
  private long refilledAt = UNSET;

  private double wMax;
  /** Seconds from the start of the curve to the plateau (0 when a probe confirmed the ceiling). */
  private double k;
  private double c = CUBIC_SCALE;
  /** Seconds spent on the plateau before probing above it. */
  private double hold;
  /** Between the first and the second 429: the first told little, so the rate doubles to find the ceiling. */
  private boolean slowStart;
  private double slowStartRate;
  private int answersSinceDoubling;
  private long doubledAt;
  /** Start of the current curve: the first send after the last 429 (or the first answer). */
  private long lastThrottleAt = UNSET;
  private boolean sentSinceThrottle = true;

  private double measuredRate;
  private boolean measuredOnce;
  private long bucket = UNSET;
  private int sendsInBucket;
  /** First send of the current measurement (restarted when sending resumes after a 429). */
  private long measureStart = UNSET;

  /**
   * @param startingRate requests/s allowed before the first 429 ({@code POSITIVE_INFINITY}: unpaced)
   * @param burst requests that may leave at once when tokens have accumulated
   */
  AdaptivePacer(double startingRate, int burst) {
    if (!(startingRate > 0) || burst < 1) {
      throw new IllegalArgumentException("an adaptive pacer needs a starting rate > 0 and burst >= 1");
    }
    this.burst = burst;
    if (startingRate != Double.POSITIVE_INFINITY) {
      enabled = true;
      fillRate = Math.max(MIN_RATE, startingRate);
      wMax = fillRate;
      k = 0; // on the plateau already: probe upwards from the starting rate
      tokens = burst; // the first requests need not wait
    }
  }

  @Override
  public long nextSendAt(long now) {
    if (!enabled) {
      return now;
    }
    refill(now);
    if (tokens >= 1) {
      return now;
    }
    return now + (long) Math.ceil((1 - tokens) * 1000 / allowedRate());
  }

  @Override
  public void onSend(long now) {
    if (!sentSinceThrottle) {
      lastThrottleAt = now; // the curve starts when sending resumes: a Retry-After pause is not probing
      restartMeasurement(); // and the pause is not a slow sending rate
    }
    measure(now);
    sentSinceThrottle = true;
    if (enabled) {
      refill(now);
      tokens -= 1;
    }
  }

  @Override
  public void onAnswer(long now) {
    if (!enabled) {
      return;
    }
    if (lastThrottleAt == UNSET) {
      lastThrottleAt = now; // a starting rate: the curve starts at the first answer
    }
    if (slowStart) {
      // Doubles every SLOW_START_DOUBLING_MILLIS, and only once a few answers came back at the current
      // rate, so a slow limit is not overrun between two of its requests.
      if (++answersSinceDoubling >= SLOW_START_ANSWERS && now - doubledAt >= SLOW_START_DOUBLING_MILLIS) {
        answersSinceDoubling = 0;
        doubledAt = now;
        setFillRate(now, 2 * fillRate);
      }
      return;
    }
    double cap = MAX_GROWTH_OVER_MEASURED * measuredAccountRate(now);
    setFillRate(now, Math.max(fillRate, Math.min(curve((now - lastThrottleAt) / 1000.0), cap)));
  }

  /**
   * The allowed rate {@code t} seconds into the curve: the CUBIC climb to the plateau (just below the
   * last ceiling), the plateau for {@link #hold} seconds, then CUBIC probing above it.
   */
  /** Whether the curve is above its plateau, probing for headroom ({@code lastThrottleAt} not yet reset). */
  private boolean probing(long now) {
    return wMax > 0 && (now - lastThrottleAt) / 1000.0 >= k + hold && fillRate > (1 - HEADROOM) * wMax;
  }

  /** The first hold on a plateau: {@value #BASE_HOLD_SECONDS} s, or ten requests' time at a slow limit. */
  private double baseHold() {
    return Math.max(BASE_HOLD_SECONDS, MIN_RECOVERY_SENDS / wMax);
  }

  /** The SDK's time to climb back to the ceiling, at least {@link #MIN_RECOVERY_SENDS} requests long. */
  private double standardK() {
    return Math.max(Math.cbrt(wMax * (1 - BETA) / CUBIC_SCALE), MIN_RECOVERY_SENDS / wMax);
  }

  private double curve(double t) {
    double plateau = (1 - HEADROOM) * wMax;
    if (t < k) {
      return c * Math.pow(t - k, 3) + plateau;
    }
    if (t < k + hold) {
      return plateau;
    }
    return c * Math.pow(t - k - hold, 3) + plateau;
  }

  @Override
  public void onThrottle(long now) {
    onThrottle(now, 0);
  }

  @Override
  public void onThrottle(long now, long retryAfterMillis) {
    if (!sentSinceThrottle) {
      return; // an answer to a request sent before the last decrease
    }
    sentSinceThrottle = false;
    double measured = measuredAccountRate(now);
    if (!enabled) {
      // The first 429 of an unpaced sender says only that a burst was too much, not what the sustained
      // limit is: start from what was measured and double until the next 429 finds the ceiling.
      enabled = true;
      slowStart = true;
      refilledAt = now;
      lastThrottleAt = now;
      // The burst's sends over the time it took, or at least over the time Linq needs to recover from it
      // (its Retry-After) and a second: a burst that took milliseconds says nothing about a rate.
      long window = Math.max(Math.max(1_000, retryAfterMillis), measureStart == UNSET ? 0 : now - measureStart);
      double burstRate = sendsInBucket * 1000.0 / window / share;
      slowStartRate = Math.max(MIN_RATE, BETA * Math.min(measured, burstRate));
      setFillRate(now, slowStartRate);
      answersSinceDoubling = 0;
      doubledAt = now;
      tokens = Math.min(tokens, 0);
      return;
    }
    if (slowStart) {
      slowStart = false;
      measured = fillRate; // the rate that was just refused: the doubling outran the measurement
    }
    // The rate that was refused: what was really sent, never more than was allowed.
    double refused = Math.max(MIN_RATE, Math.min(measured, fillRate));
    boolean probing = probing(now);
    lastThrottleAt = now;
    if (probing) {
      // A probe above the plateau hit the ceiling: the plateau was safe, so return to it and probe less
      // often. Only a probe that got far above it before the 429 says the limit went up.
      if (refused > RAISE_ON_PROBE * wMax) {
        wMax = (wMax + refused) / 2;
        hold = baseHold();
      } else {
        hold = Math.min(Math.max(MAX_HOLD_SECONDS, MAX_HOLD_SENDS / wMax), Math.max(baseHold(), 2 * hold));
      }
      k = 0;
      setFillRate(now, Math.max(MIN_RATE, (1 - HEADROOM) * wMax));
    } else {
      // Refused while climbing to or holding the plateau: the limit is lower than thought. The classic
      // multiplicative decrease from the refused rate; probing starts over.
      wMax = refused;
      k = standardK();
      hold = baseHold();
      setFillRate(now, Math.max(MIN_RATE, BETA * wMax));
    }
    c = wMax * (1 - BETA) / Math.pow(standardK(), 3);
    tokens = Math.min(tokens, 0); // resume at the steady rate, not with a burst
  }

  @Override
  public double rate() {
    return enabled ? allowedRate() : Double.POSITIVE_INFINITY;
  }

  @Override
  public void share(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1]");
    }
    share = fraction;
  }

  private double allowedRate() {
    return fillRate * share;
  }

  private void setFillRate(long now, double rate) {
    refill(now); // tokens earned so far accrue at the old rate
    fillRate = rate;
  }

  private void refill(long now) {
    if (refilledAt != UNSET && now > refilledAt) {
      tokens = Math.min(burst, tokens + (now - refilledAt) * allowedRate() / 1000);
    }
    refilledAt = refilledAt == UNSET ? now : Math.max(refilledAt, now);
  }

  /**
   * The measured transmit rate scaled to the account: what the account would be sending at. Before the
   * first bucket completes, the sends so far over the time since they started stand in (at least
   * {@value #MIN_MEASURE_MILLIS} ms, so one instant burst does not read as an infinite rate).
   */
  private double measuredAccountRate(long now) {
    double sending = measuredOnce ? measuredRate
        : sendsInBucket * 1000.0 / Math.max(MIN_MEASURE_MILLIS, measureStart == UNSET ? 0 : now - measureStart);
    return sending / share;
  }

  private void restartMeasurement() {
    measuredOnce = false;
    bucket = UNSET;
    sendsInBucket = 0;
    measureStart = UNSET;
  }

  /** Counts a send; on entering a new bucket, folds the finished ones into the EWMA. */
  private void measure(long now) {
    long current = Math.floorDiv(now, BUCKET_MILLIS);
    if (bucket != UNSET && current > bucket) {
      // The first bucket of a measurement started when sending did, not at its boundary.
      long width = current * BUCKET_MILLIS - Math.max(bucket * BUCKET_MILLIS, measureStart);
      double rate = sendsInBucket * 1000.0 / Math.max(MIN_MEASURE_MILLIS, width);
      measuredRate = measuredOnce ? SMOOTHING * rate + (1 - SMOOTHING) * measuredRate : rate;
      measuredOnce = true;
      sendsInBucket = 0;
    }
    if (bucket == UNSET) {
      measureStart = now;
    }
    if (bucket == UNSET || current > bucket) {
      bucket = current;
    }
    sendsInBucket++;
  }
}
