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
  /** Each probe that finds the same ceiling doubles the hold, up to this. */
  static final double MAX_HOLD_SECONDS = 60;

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
  /** Start of the current curve: the first send after the last 429 (or the first answer). */
  private long lastThrottleAt = UNSET;
  private boolean sentSinceThrottle = true;

  private double measuredRate;
  private boolean measuredOnce;
  private long bucket = UNSET;
  private int sendsInBucket;

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
    measure(now);
    if (!sentSinceThrottle) {
      lastThrottleAt = now; // the curve starts when sending resumes: a Retry-After pause is not probing
    }
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
    double cap = MAX_GROWTH_OVER_MEASURED * measuredAccountRate();
    setFillRate(now, Math.max(fillRate, Math.min(curve((now - lastThrottleAt) / 1000.0), cap)));
  }

  /**
   * The allowed rate {@code t} seconds into the curve: the CUBIC climb to the plateau (just below the
   * last ceiling), the plateau for {@link #hold} seconds, then CUBIC probing above it.
   */
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
    if (!sentSinceThrottle) {
      return; // an answer to a request sent before the last decrease
    }
    sentSinceThrottle = false;
    double measured = measuredAccountRate();
    // A 429 while probing above the plateau found the ceiling again: the limit sits just below the rate
    // that was refused. Go back to the plateau at once and probe less often. A 429 at or below the
    // plateau means the limit dropped: the classic multiplicative decrease, and probing resets.
    boolean probing = enabled && wMax > 0 && fillRate > (1 - HEADROOM) * wMax;
    wMax = Math.max(MIN_RATE, enabled ? Math.min(measured, fillRate) : measured);
    double standardK = Math.max(Math.cbrt(wMax * (1 - BETA) / CUBIC_SCALE), MIN_RECOVERY_SENDS / wMax);
    c = wMax * (1 - BETA) / (standardK * standardK * standardK);
    lastThrottleAt = now;
    if (!enabled) {
      enabled = true;
      refilledAt = now;
    }
    if (probing) {
      k = 0;
      hold = Math.min(MAX_HOLD_SECONDS, Math.max(BASE_HOLD_SECONDS, 2 * hold));
      setFillRate(now, Math.max(MIN_RATE, (1 - HEADROOM) * wMax));
    } else {
      k = standardK;
      hold = BASE_HOLD_SECONDS;
      setFillRate(now, Math.max(MIN_RATE, BETA * wMax));
    }
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

  /** The measured transmit rate scaled to the account: what the account would be sending at. */
  private double measuredAccountRate() {
    double sending = measuredOnce ? measuredRate : sendsInBucket * 1000.0 / BUCKET_MILLIS;
    return sending / share;
  }

  /** Counts a send; on entering a new bucket, folds the finished ones into the EWMA. */
  private void measure(long now) {
    long current = Math.floorDiv(now, BUCKET_MILLIS);
    if (bucket != UNSET && current > bucket) {
      double rate = sendsInBucket * 1000.0 / ((current - bucket) * BUCKET_MILLIS);
      measuredRate = measuredOnce ? SMOOTHING * rate + (1 - SMOOTHING) * measuredRate : rate;
      measuredOnce = true;
      sendsInBucket = 0;
    }
    if (bucket == UNSET || current > bucket) {
      bucket = current;
    }
    sendsInBucket++;
  }
}
