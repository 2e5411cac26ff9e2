package com.linqapp.gateway.engine.pacing;

import java.util.ArrayDeque;
import java.util.Iterator;

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
 *   <li><b>A lower bound from the answers.</b> Linq cannot admit more than its burst plus its limit
 *       times a window, so the answers in any window before a 429 bound the limit from below:
 *       {@code (answers - burst) / window} ({@link #lowerBound}). The burst is measured once, from the
 *       unpaced start. After a 429 the rate goes straight to that bound when it is above the classic
 *       {@code BETA} cut: one 429 then finds the limit to within a few percent, where the classic
 *       cut-and-climb needs several, each costing a whole {@code Retry-After} pause.
 *   <li><b>Slow start after the first 429.</b> An unpaced burst says little about a sustained rate:
 *       the rate starts low and doubles (every {@value #SLOW_START_DOUBLING_MILLIS} ms, after
 *       {@value #SLOW_START_ANSWERS} answers) until a 429, then takes the bound, or else half the
 *       refused rate (the last rate answered) and climbs towards the refused one.
 *   <li><b>A plateau, held before probing.</b> The curve levels off below the ceiling (at the bound,
 *       or {@code (1 - HEADROOM) wMax}) and stays there before probing above it, for as long as keeps
 *       probe pauses within {@value #PROBE_BUDGET} of the time ({@code Retry-After / PROBE_BUDGET}:
 *       33 s at Linq's usual 1 s). A 429 found by a probe confirms the ceiling: back to the plateau, or
 *       to the bound if higher, with no cut. A 429 on the plateau means the limit dropped: the bound if
 *       it is close, else the classic cut.
 *   <li><b>Safe side.</b> The burst measured at the start includes what the limit refilled while it
 *       was admitted; that part is taken off with the bound itself ({@link #lowerBound}). If a plateau
 *       set by the bound is refused anyway, the refinement is dropped for good.
 *   <li><b>A floor</b> of {@value #MIN_RATE}/s: one request every 20 s still probes.
 *   <li><b>Handed over.</b> A cluster's next owner {@link #adopt}s what the last one learnt (the
 *       plateau and the measured burst) and holds there before probing, as after a 429.
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
  /** Shortest time on a plateau before probing above it. */
  static final double BASE_HOLD_SECONDS = 5;
  /** A probe costs a Retry-After pause: the hold before it is long enough for pauses to take at most this share. */
  static final double PROBE_BUDGET = 0.03;
  /** A probe refused above this multiple of the ceiling means the limit went up. */
  static final double RAISE_ON_PROBE = 1.2;
  /** Fewest sends that make a rate. */
  static final int MIN_MEASURED_SENDS = 4;
  /** Shortest window a rate is measured over. */
  static final long MIN_MEASURE_MILLIS = 100;
  /**
   * The lower bound on the limit is measured over at most this window before a 429: long enough that
   * Linq's burst weighs little, short enough that a limit which just dropped is not overestimated.
   */
  static final long LOWER_BOUND_WINDOW_MILLIS = 2_000;
  /** A shorter window says too little about a rate. */
  static final long MIN_LOWER_BOUND_MILLIS = 250;
  /** After the first 429 the rate doubles at most this often until the next 429 (slow start)... */
  static final long SLOW_START_DOUBLING_MILLIS = 250;
  /** ...and only after this many answers at the current rate. */
  static final int SLOW_START_ANSWERS = 2;

  /** Engine timers fire on whole milliseconds, and late: tokens that accrue meanwhile are kept. */
  static final long TIMER_SLACK_MILLIS = 2;

  private static final long UNSET = Long.MIN_VALUE;

  private final int burst;
  /**
   * Only an unpaced start measures Linq's burst (a paced one never empties Linq's bucket at once); an adopted
   * state brings its own measure.
   */
  private boolean startedUnpaced;

  /** Whether the bucket paces at all: from the first 429, or from the start with a starting rate. */
  private boolean enabled;
  /** Allowed rate, requests/s. */
  private double fillRate = Double.POSITIVE_INFINITY;
  private double tokens;
  private long refilledAt = UNSET;

  private double wMax;
  /** Where the climb levels off: just below {@code wMax}, or a lower bound on the limit measured above that. */
  private double plateau;
  /** Seconds from the start of the curve to the plateau (0 when it starts there). */
  private double k;
  /** Scale of the climb to the plateau, so that the curve starts at the rate set by the last 429. */
  private double climbC = CUBIC_SCALE;
  /** Scale of the probe above the plateau: the SDKs' growth for this ceiling. */
  private double probeC = CUBIC_SCALE;
  /** Seconds spent on the plateau before probing above it. */
  private double hold;
  /** The last Retry-After: what a probe that finds the ceiling costs. */
  private double lastPauseSeconds;
  /** Between the first and the second 429: the first told little, so the rate doubles to find the ceiling. */
  private boolean slowStart;
  private int answersSinceDoubling;
  private long doubledAt;
  /** Start of the current curve: the first send after the last 429 (or the first answer). */
  private long lastThrottleAt = UNSET;
  private boolean sentSinceThrottle = true;

  private double measuredRate;
  private boolean measuredOnce;
  private long bucket = UNSET;
  private int sendsInBucket;
  /** Start of the sends counted in {@code sendsInBucket}: the first send of a measurement, then a boundary. */
  private long measureStart = UNSET;
  /** Sends since the measurement (re)started, and when the first of them left. */
  private int sendsSinceResume;
  private long resumedSendingAt = UNSET;

  /**
   * Requests Linq admitted in the unpaced start (all its answers, also those that arrive after its first
   * 429): its burst plus what its limit refilled meanwhile. NaN until sending resumes after that 429.
   */
  private double burstEstimate = Double.NaN;
  private int burstAnswers;
  private long firstAnswerAt = UNSET;
  /** From the first answer to the first 429: about how long Linq was admitting them. */
  private long burstSpanMillis;
  /** Whether the burst estimate may be refined with the limit (until a bound it gave proves too high). */
  private boolean refineBurst = true;
  /** The plateau came from {@link #lowerBound}: a 429 at or below it means the bound was not one. */
  private boolean plateauFromBound;
  /** Times of the answers in the last {@value #LOWER_BOUND_WINDOW_MILLIS} ms. */
  private final ArrayDeque<Long> answered = new ArrayDeque<>();

  /**
   * @param startingRate requests/s allowed before the first 429 ({@code POSITIVE_INFINITY}: unpaced)
   * @param burst requests that may leave at once when tokens have accumulated
   */
  AdaptivePacer(double startingRate, int burst) {
    if (!(startingRate > 0) || burst < 1) {
      throw new IllegalArgumentException("an adaptive pacer needs a starting rate > 0 and burst >= 1");
    }
    this.burst = burst;
    this.startedUnpaced = startingRate == Double.POSITIVE_INFINITY;
    if (!startedUnpaced) {
      enabled = true;
      fillRate = Math.max(MIN_RATE, startingRate);
      wMax = fillRate;
      plateau = fillRate;
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
      if (enabled && startedUnpaced && Double.isNaN(burstEstimate)) {
        burstEstimate = burstAnswers; // the unpaced start is over: all its answers are in
      }
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
    answered.addLast(now);
    while (answered.peekFirst() < now - LOWER_BOUND_WINDOW_MILLIS) {
      answered.pollFirst();
    }
    if (Double.isNaN(burstEstimate)) {
      burstAnswers++;
      firstAnswerAt = firstAnswerAt == UNSET ? now : firstAnswerAt;
    }
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
    double cap = MAX_GROWTH_OVER_MEASURED * measuredSendingRate(now);
    setFillRate(now, Math.max(fillRate, Math.min(curve((now - lastThrottleAt) / 1000.0), cap)));
  }

  /** Whether the curve is above its plateau, probing for headroom ({@code lastThrottleAt} not yet reset). */
  private boolean probing(long now) {
    return wMax > 0 && (now - lastThrottleAt) / 1000.0 >= k + hold && fillRate > plateau;
  }

  /**
   * A lower bound on the account's limit from the answers just before a 429. Linq cannot admit more
   * than its burst plus the limit times a window, so for every window ending now the limit is at least
   * (answers in it - burst) / its length. The best window starts where sending caught up with the
   * limit (before that Linq's bucket stayed full and its tokens went unused); windows start at answers
   * to requests sent after the resume, so their arrivals match their sends whatever the latency, and
   * are {@value #MIN_LOWER_BOUND_MILLIS}-{@value #LOWER_BOUND_WINDOW_MILLIS} ms long.
   *
   * <p>Linq's burst is taken from the unpaced start: the answers Linq gave it, less what the limit
   * refilled while they were admitted (over {@code burstSpanMillis}), which needs the limit; so the two
   * are refined together, from the safe side (a bound on the limit takes off no more than the limit
   * refilled, leaving a burst no smaller than the real one, which gives a bound no larger than the
   * limit). Should a bound prove too high all the same, the refinement stops. 0 while the burst is
   * unknown (a paced start, or before the unpaced start's answers are all in).
   */
  private double lowerBound(long now) {
    if (Double.isNaN(burstEstimate)) {
      return 0;
    }
    double bound = boundWithBurst(now, burstEstimate);
    for (int i = 0; i < 3 && bound > 0 && refineBurst; i++) {
      double burst = Math.max(1, burstEstimate - bound * burstSpanMillis / 1000);
      bound = boundWithBurst(now, burst);
    }
    return bound;
  }

  private double boundWithBurst(long now, double burst) {
    double best = 0;
    int admitted = 0;
    Iterator<Long> newestFirst = answered.descendingIterator();
    while (newestFirst.hasNext()) {
      long at = newestFirst.next();
      if (at < lastThrottleAt) {
        break;
      }
      admitted++;
      long window = now - at;
      if (window >= MIN_LOWER_BOUND_MILLIS) {
        best = Math.max(best, (admitted - burst) * 1000.0 / window);
      }
    }
    return best;
  }

  /**
   * The hold on a plateau before probing: {@value #BASE_HOLD_SECONDS} s, ten requests' time at a slow
   * limit, and long enough that a probe's {@code Retry-After} pause is at most {@value #PROBE_BUDGET} of it.
   */
  private double baseHold() {
    return Math.max(Math.max(BASE_HOLD_SECONDS, MIN_RECOVERY_SENDS / wMax), lastPauseSeconds / PROBE_BUDGET);
  }

  /** The SDK's time to climb back to the ceiling, at least {@link #MIN_RECOVERY_SENDS} requests long. */
  private double standardK() {
    return Math.max(Math.cbrt(wMax * (1 - BETA) / CUBIC_SCALE), MIN_RECOVERY_SENDS / wMax);
  }

  /**
   * The allowed rate {@code t} seconds into the curve: the CUBIC climb to the plateau, the plateau for
   * {@link #hold} seconds, then CUBIC probing above it.
   */
  private double curve(double t) {
    if (t < k) {
      return climbC * Math.pow(t - k, 3) + plateau;
    }
    if (t < k + hold) {
      return plateau;
    }
    return probeC * Math.pow(t - k - hold, 3) + plateau;
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
    lastPauseSeconds = retryAfterMillis / 1000.0;
    double measured = measuredSendingRate(now);
    if (!enabled) {
      // The first 429 of an unpaced sender says only that a burst was too much, not what the sustained
      // limit is: start from what was measured and double until the next 429 finds the ceiling.
      enabled = true;
      slowStart = true;
      // Linq admitted the burst from the first request's arrival until it refused one: about from halfway
      // between the first send and its answer (earlier only if connecting took longer than Linq's answer
      // itself) until the request this 429 answers arrived, which our 429 trails by the same half.
      burstSpanMillis = firstAnswerAt == UNSET || resumedSendingAt == UNSET ? 0
          : now - (resumedSendingAt + firstAnswerAt) / 2;
      refilledAt = now;
      lastThrottleAt = now;
      // The burst's sends over the time it took, or at least over the time Linq needs to recover from it
      // (its Retry-After) and a second: a burst that took milliseconds says nothing about a rate.
      // All the burst's sends, not only those since the last bucket boundary: a burst that straddles one
      // would otherwise read as a handful of sends, and start the rate so low that admission sheds
      // every check as unreachable before its deadline.
      long window = Math.max(Math.max(1_000, retryAfterMillis), resumedSendingAt == UNSET ? 0 : now - resumedSendingAt);
      double burstRate = sendsSinceResume * 1000.0 / window;
      setFillRate(now, Math.max(MIN_RATE, BETA * Math.min(measured, burstRate)));
      answersSinceDoubling = 0;
      doubledAt = now;
      tokens = Math.min(tokens, 0);
      return;
    }
    boolean probing = probing(now);
    if (plateauFromBound && !probing && !slowStart) {
      refineBurst = false; // refused on a plateau the bound set: the refined burst was too small
    }
    double lowerBound = lowerBound(now);
    if (slowStart) {
      // The doubling was refused: the limit lies between the last rate answered and this one. Climb from
      // the last rate answered towards just below the refused one.
      slowStart = false;
      wMax = fillRate;
      hold = baseHold();
      if (lowerBound >= BETA * wMax / 2) {
        climbTo(now, lowerBound, lowerBound); // the answers bound the limit: hold there, probe later
        plateauFromBound = true;
      } else {
        climbTo(now, wMax / 2, (1 - HEADROOM) * wMax);
      }
      return;
    }
    // The rate that was refused: what was really sent, never more than was allowed.
    double refused = Math.max(MIN_RATE, Math.max(lowerBound, Math.min(measured, fillRate)));
    if (probing) {
      // A probe above the plateau hit the ceiling: the plateau was safe, so return to it (or to the
      // bound the answers give, if higher). Only a probe that got far above the ceiling before the 429
      // says the limit went up: the ceiling moves halfway there.
      double bound = Math.min(lowerBound, refused);
      double level = Math.max(plateau, bound);
      if (refused > RAISE_ON_PROBE * wMax) {
        wMax = (wMax + refused) / 2;
        level = Math.max(level, (1 - HEADROOM) * wMax);
      }
      hold = baseHold();
      climbTo(now, level, level);
      plateauFromBound = level == bound;
      return;
    }
    wMax = refused;
    hold = baseHold();
    if (lowerBound >= BETA * refused) {
      // The answers before the 429 bound the limit from below, closer than the classic cut would: that
      // bound is the new plateau (it is safe; probing will find any headroom above it).
      climbTo(now, lowerBound, lowerBound);
      plateauFromBound = true;
    } else {
      // Refused far above the limit (soon after resuming, or a limit that dropped): the classic
      // multiplicative decrease from the refused rate, then the climb to just below it.
      climbTo(now, BETA * wMax, (1 - HEADROOM) * wMax);
    }
  }

  /** Restarts the curve at {@code start}, climbing to {@code level} (at once when they are equal). */
  private void climbTo(long now, double start, double level) {
    plateauFromBound = false;
    lastThrottleAt = now; // until sending resumes, when the curve really starts
    plateau = Math.max(MIN_RATE, level);
    double from = Math.max(MIN_RATE, Math.min(start, plateau));
    k = from >= plateau ? 0 : standardK();
    climbC = k == 0 ? 0 : (plateau - from) / Math.pow(k, 3);
    probeC = wMax * (1 - BETA) / Math.pow(standardK(), 3);
    setFillRate(now, from);
    tokens = Math.min(tokens, 0); // resume at the steady rate, not with a burst
  }

  @Override
  public double rate() {
    return enabled ? allowedRate() : Double.POSITIVE_INFINITY;
  }

  /** The plateau found (not while unpaced, nor while the slow start still searches for it): the safe level. */
  @Override
  public Learnt learnt() {
    return enabled && !slowStart ? new Learnt(plateau, burstEstimate) : null;
  }

  /** Holds at the learnt rate as on a plateau after a 429, then probes above it as usual. */
  @Override
  public void adopt(Learnt learnt, long now) {
    if (!(learnt.ratePerSecond() > 0) || Double.isInfinite(learnt.ratePerSecond())) {
      return;
    }
    enabled = true;
    slowStart = false;
    startedUnpaced = false;
    burstEstimate = learnt.burst();
    wMax = Math.max(MIN_RATE, learnt.ratePerSecond());
    hold = baseHold();
    sentSinceThrottle = false; // the curve starts when sending does
    refilledAt = now;
    climbTo(now, wMax, wMax);
    tokens = 1; // one request now, then the steady pace
  }

  private double allowedRate() {
    return fillRate;
  }

  private void setFillRate(long now, double rate) {
    refill(now); // tokens earned so far accrue at the old rate
    fillRate = rate;
  }

  /**
   * Tokens the bucket holds: {@code burst}, plus what accrues during a timer's slack, so that a rate
   * whose interval is not a whole number of milliseconds (300/s: 3.3 ms) is not rounded down to the
   * next whole one (4 ms: 250/s) by a timer that fires on the millisecond or later.
   */
  private double capacity() {
    return burst + allowedRate() * TIMER_SLACK_MILLIS / 1000;
  }

  private void refill(long now) {
    if (refilledAt != UNSET && now > refilledAt) {
      tokens = Math.min(capacity(), tokens + (now - refilledAt) * allowedRate() / 1000);
    }
    refilledAt = refilledAt == UNSET ? now : Math.max(refilledAt, now);
  }

  /**
   * The measured transmit rate. Before the
   * first bucket completes, the sends so far over the time since they started stand in (at least
   * {@value #MIN_MEASURE_MILLIS} ms, so one instant burst does not read as an infinite rate).
   */
  private double measuredSendingRate(long now) {
    if (!measuredOnce && enabled && sendsSinceResume < MIN_MEASURED_SENDS) {
      return fillRate; // a send or two since resuming is not a rate: the allowance is the best estimate
    }
    return measuredOnce ? measuredRate
        : sendsInBucket * 1000.0 / Math.max(MIN_MEASURE_MILLIS, measureStart == UNSET ? 0 : now - measureStart);
  }

  private void restartMeasurement() {
    measuredOnce = false;
    bucket = UNSET;
    sendsInBucket = 0;
    measureStart = UNSET;
    sendsSinceResume = 0;
    resumedSendingAt = UNSET;
  }

  /**
   * Counts a send; on entering a new bucket, folds the finished one into the EWMA. The sends counted
   * since {@code measureStart}; a first bucket shorter than half a bucket (sending resumed just before a
   * boundary) is too short to be a rate, so its sends carry over into the next one.
   */
  private void measure(long now) {
    long current = Math.floorDiv(now, BUCKET_MILLIS);
    if (bucket != UNSET && current > bucket) {
      long boundary = current * BUCKET_MILLIS;
      long width = boundary - measureStart;
      if (measuredOnce || width >= BUCKET_MILLIS / 2) {
        double rate = sendsInBucket * 1000.0 / Math.max(MIN_MEASURE_MILLIS, width);
        measuredRate = measuredOnce ? SMOOTHING * rate + (1 - SMOOTHING) * measuredRate : rate;
        measuredOnce = true;
        sendsInBucket = 0;
        measureStart = boundary;
      }
    }
    if (bucket == UNSET) {
      measureStart = now;
    }
    if (bucket == UNSET || current > bucket) {
      bucket = current;
    }
    sendsInBucket++;
    sendsSinceResume++;
    resumedSendingAt = resumedSendingAt == UNSET ? now : resumedSendingAt;
  }
}
