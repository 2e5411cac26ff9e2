package com.linqapp.gateway.engine.pacing;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns an unknown rate limit from Linq's answers, in as few 429s as possible, and paces to it. The design and its
 * measurements are in {@code docs/adaptive-rate.md} (third revision); in short:
 *
 * <ul>
 *   <li><b>Opening.</b> Until the first 429 requests go as fast as answers come back, doubling per round trip from
 *       one (TCP's slow start): a fast limit loses nothing (the first 429 comes when Linq's bucket is empty,
 *       whenever that is), and a slow one refuses a couple of requests instead of a whole window's worth.
 *   <li><b>A fit, not a guess.</b> Every exchange is logged ({@link ExchangeLog}): when it left, and whether Linq
 *       admitted it. A token bucket of burst {@code B} and rate {@code L} admits at most {@code B + L t} in any
 *       {@code t}, and refuses only when empty; {@link BucketFit} finds every {@code (B, L)} that explains the
 *       whole log. One 429 episode gives one equation ({@code admitted = B + L x time to empty}); two give the rate
 *       to a few percent. Lines limited alike are fitted together ({@link LimitModel}).
 *   <li><b>Exploring.</b> While the fit leaves the rate uncertain, the pacer starts inside the range it allows and
 *       climbs (every {@value #CLIMB_MILLIS} ms, after {@value #CLIMB_ANSWERS} answers) until the next 429, whose
 *       episode narrows the range.
 *   <li><b>Tracking.</b> Once the rate is known to within {@value #NARROW}, the pacer sends at the lowest rate the
 *       answers allow, with Linq's smallest possible burst less a quarter after each pause, and probes above the
 *       highest rate only after a hold that keeps probe pauses to {@value #PROBE_BUDGET} of the time
 *       ({@link #holdMillis()}). A probe either ends in a 429 (the limit is where it was: one more equation) or
 *       proves a higher limit.
 *   <li><b>Change.</b> When no bucket explains the log any more, its oldest episodes are forgotten one by one (the
 *       likeliest to be off: a loaded opening); when not even the last two agree, the limit changed: what came
 *       before the last refusal is forgotten and the pacer explores again, from {@value #BETA} of its rate (a drop)
 *       or upwards.
 *   <li><b>Windows.</b> A long {@code Retry-After} (at least {@value #WINDOW_RETRY_AFTER_MILLIS} ms) that ends a
 *       burst of admissions is a fixed window: the pacer then sends the window's limit as soon as the window opens,
 *       and one request more, whose 429 says when the next window opens. Nothing is sent inside the pause.
 *   <li><b>Sender lines</b> learn together: a 429 on one refits the shared model at once, and a line still
 *       exploring tracks as soon as another has pinned the rate.
 *   <li><b>Plausibility.</b> Never faster than {@value #MAX_GROWTH_OVER_SEEN} x the most Linq was seen to admit in
 *       {@value #PLAUSIBLE_WINDOW_MILLIS} ms: answers that arrive together cannot tell a huge rate with a tiny burst
 *       from a moderate one.
 * </ul>
 *
 * <p>Kept from the earlier revisions: one reaction per 429 episode (the 429s of requests already in flight are only
 * logged) and the floor of {@value #MIN_RATE}/s. In a cluster one gateway sends for all, so its exchanges are the
 * account's; the next one to send starts from what this one learnt ({@link #learnt}, {@link #adopt}).
 */
final class AdaptivePacer implements SendPacer {

  /** Lowest rate ever allowed, requests/s: one request every 20 s still finds out whether the limit is back. */
  static final double MIN_RATE = 0.05;
  /** The fit never looks above this rate. */
  static final double MAX_RATE = 100_000;
  /** After a drop no fit can yet explain, the rate restarts from this share of what was being sent. */
  static final double BETA = 0.7;
  /** The relative width of the rate range under which the pacer tracks instead of exploring. */
  static final double NARROW = 0.10;
  /** The pacer never sends faster than this multiple of the most Linq admitted in {@link #PLAUSIBLE_WINDOW_MILLIS}. */
  static final double MAX_GROWTH_OVER_SEEN = 2;
  static final long PLAUSIBLE_WINDOW_MILLIS = 250;
  /** The rate Linq refused is measured over at least this many of the last sends. */
  static final int RECENT_SENDS = 8;
  /** The range of rates explored spans at most this factor below its top. */
  static final double EXPLORE_SPAN = 4;
  /**
   * Tracking keeps this far below the lowest rate the answers allow: jitter beyond what the fit allows for can put
   * that rate a little above the limit, and a 429 costs far more than the margin.
   */
  static final double TRACKING_MARGIN = 0.01;
  /** A 429 while tracking (not probing) lowers the rate at least this much below the one refused. */
  static final double TRACKING_STEP_DOWN = 0.02;
  /** While exploring, the rate climbs at most this often... */
  static final long CLIMB_MILLIS = 250;
  /** ...and only after this many answers at the current rate. */
  static final int CLIMB_ANSWERS = 2;
  /** Climb per step while below the lowest rate the fit allows (nothing to lose)... */
  static final double FAST_CLIMB = 2.0;
  /**
   * ...and inside the range: the next 429 should come after a long episode (a precise equation), at a rate not far
   * above the limit. At 1.25 per step the climb passed twice the limit before Linq's bucket emptied, and on a loaded
   * machine the send times of so fast an end blur into each other (the real jar's fits missed by 5-20 %).
   */
  static final double SLOW_CLIMB = 1.1;
  /** A probe's 429 pauses sending: the hold before a probe keeps those pauses to this share of the time. */
  static final double PROBE_BUDGET = 0.025;
  /** At a slow limit a pause costs little time but a 429 still counts: at most one probe per this many sends. */
  static final double SENDS_PER_PROBE = 80;
  /** Shortest hold before a probe. */
  static final long MIN_HOLD_MILLIS = 5_000;
  /** A probe starts this far above the highest rate the fit allows, and climbs slowly from there. */
  static final double PROBE_STEP = 1.05;
  /** A Retry-After at least this long that ends a burst of admissions means a fixed window. */
  static final long WINDOW_RETRY_AFTER_MILLIS = 2_000;
  /** How long to wait for an answer that unblocks the opening or a window's probe, when no round trip is known. */
  static final long UNKNOWN_ROUND_TRIP_MILLIS = 20;
  /** Engine timers fire on whole milliseconds, and late: tokens that accrue meanwhile are kept. */
  static final long TIMER_SLACK_MILLIS = 2;

  private static final Logger LOG = LoggerFactory.getLogger(AdaptivePacer.class);
  private static final long NEVER = Long.MIN_VALUE;

  enum Phase { OPENING, EXPLORING, TRACKING, PROBING, WINDOW }

  private final LimitModel model;
  private final ExchangeLog log;
  private final int startingBurst;
  private Phase phase;

  /** The account's rate this pacer paces at, and the burst it allows itself. */
  private double rate;
  private double capacity;
  private double tokens;
  private long refilledAt = NEVER;

  private int sends;
  private int answers;
  private long lastRoundTrip = UNKNOWN_ROUND_TRIP_MILLIS;
  private final RoundTrips roundTrips = new RoundTrips();

  /** The current episode: from the first send after a pause (or the first send) to the next 429. */
  private long episodeStart = NEVER;
  private boolean inEpisode;
  private int sendsBeforeEpisode;
  private long pauseEnd = NEVER;
  /** When the episode's 429 came: Linq's bucket has refilled from empty since then. */
  private long throttledAt = NEVER;
  /** Set by a 429: the fit runs when sending may resume (by then the answers in flight are in). */
  private boolean decisionDue;
  private long lastRetryAfter;
  private long maxRetryAfterSeconds;
  private double rateBeforeThrottle;
  /** Admissions in the episode before the current one: equal bursts after each pause are a window's. */
  private int previousEpisodeAdmitted = -1;

  /** Exploring and probing: when the rate last climbed, and the answers since. */
  private long climbedAt = NEVER;
  private int answersSinceClimb;
  private LimitEstimate region = LimitEstimate.UNKNOWN;
  /** The most Linq was seen to admit in {@link #PLAUSIBLE_WINDOW_MILLIS}, per second, since this pacer began. */
  private double seenAdmittedRate;
  private long holdUntil = NEVER;

  /** Window: its limit, when it opened, what was sent in it, whether the one request beyond it is out. */
  private int windowLimit;
  private long windowOpenedAt = NEVER;
  private int windowSends;
  private boolean windowProbeOut;
  private long windowProbeSentAt = NEVER;
  /** Requests beyond the limit allowed before the next answer: doubles while they are admitted. */
  private int windowProbes = 1;

  /**
   * @param startingRate requests/s before the first 429 ({@code POSITIVE_INFINITY}: the opening, unpaced)
   * @param burst        requests that may leave at once before anything is learnt
   */
  AdaptivePacer(double startingRate, int burst) {
    this(new LimitModel(), startingRate, burst);
  }

  AdaptivePacer(LimitModel model, double startingRate, int burst) {
    if (!(startingRate > 0) || burst < 1) {
      throw new IllegalArgumentException("an adaptive pacer needs a starting rate > 0 and burst >= 1");
    }
    this.model = model;
    this.log = model.newLog();
    this.startingBurst = burst;
    this.capacity = burst;
    this.tokens = burst;
    LimitEstimate known = model.estimate();
    if (known.shape() != LimitEstimate.Shape.UNKNOWN) {
      adopt(known);
    } else if (startingRate == Double.POSITIVE_INFINITY) {
      phase = Phase.OPENING;
      rate = Double.POSITIVE_INFINITY;
    } else {
      phase = Phase.EXPLORING;
      rate = Math.max(MIN_RATE, startingRate);
    }
  }

  /** Starts from what another pacer of the model (another line), or another node, has learnt. */
  private void adopt(LimitEstimate known) {
    region = known;
    if (known.shape() == LimitEstimate.Shape.WINDOW) {
      openWindow((int) known.burst(), known.windowMillis());
    } else {
      track(NEVER);
    }
  }

  @Override
  public long nextSendAt(long now) {
    decideIfDue(now);
    switch (phase) {
      case OPENING:
        return sends < 1 + 2 * answers ? now : now + lastRoundTrip;
      case WINDOW:
        if (windowSends < windowLimit + (windowProbeOut ? 0 : windowProbes)) {
          return now;
        }
        return now + lastRoundTrip; // the requests beyond the limit are out: their answers say whether to send more
      default:
        refill(now);
        return tokens >= 1 ? now : now + (long) Math.ceil((1 - tokens) * 1000 / allowedRate());
    }
  }

  @Override
  public void onSend(long now) {
    decideIfDue(now);
    boolean resume = !inEpisode && episodeStart != NEVER;
    if (!inEpisode) {
      inEpisode = true;
      episodeStart = now;
      sendsBeforeEpisode = sends;
      if (!resume) {
        LOG.debug("first send");
      }
    }
    log.sent(now, resume);
    sends++;
    if (phase == Phase.WINDOW) {
      if (windowOpenedAt == NEVER) {
        windowOpenedAt = now;
      }
      if (++windowSends > windowLimit && !windowProbeOut) {
        windowProbeSentAt = now;
      }
      windowProbeOut = windowSends >= windowLimit + windowProbes;
      return;
    }
    if (phase != Phase.OPENING) {
      refill(now);
      tokens -= 1;
    }
  }

  @Override
  public void onAnswer(long now) {
    onAnswer(Long.MIN_VALUE, now);
  }

  @Override
  public void onAnswer(long sentAt, long leftAt, long now) {
    log.resolved(sentAt, leftAt, true);
    answers++;
    if (sentAt != Long.MIN_VALUE) {
      lastRoundTrip = Math.max(1, now - leftAt);
      roundTrips.add(lastRoundTrip);
    }
    switch (phase) {
      case WINDOW -> {
        // The request beyond the limit is the last sent: without its send time, its answer is the last one.
        boolean probeAnswered = sentAt == Long.MIN_VALUE ? answers >= sends : sentAt >= windowProbeSentAt;
        if (windowSends > windowLimit && probeAnswered) {
          windowLimit = windowSends; // the requests beyond the limit were admitted: the window holds more
          windowProbes *= 2;
          windowProbeOut = false;
        }
      }
      case EXPLORING -> {
        if (!learntElsewhere(now)) {
          climb(now);
        }
      }
      case PROBING -> climb(now);
      case TRACKING -> {
        if (holdUntil == NEVER) {
          holdUntil = now + holdMillis(); // started from what others learnt: the hold runs from its first answer
        } else if (now >= holdUntil) {
          startProbe(now);
        }
      }
      default -> {
      }
    }
  }

  @Override
  public void onThrottle(long now) {
    onThrottle(Long.MIN_VALUE, now, 0);
  }

  @Override
  public void onThrottle(long now, long retryAfterMillis) {
    onThrottle(Long.MIN_VALUE, now, retryAfterMillis);
  }

  @Override
  public void onThrottle(long sentAt, long leftAt, long now, long retryAfterMillis) {
    log.resolved(sentAt, leftAt, false);
    answers++;
    if (!inEpisode) {
      return; // a request sent before the last 429 was answered: that episode is being dealt with already
    }
    inEpisode = false;
    if (LOG.isDebugEnabled()) {
      LOG.debug("429 {} ms into the episode: {} sent, {} admitted; {} at {}/s; pause {} ms", now - episodeStart,
          sends - sendsBeforeEpisode, log.admittedSince(episodeStart), phase.name().toLowerCase(Locale.ROOT),
          String.format(Locale.ROOT, "%.2f", rate()), retryAfterMillis);
    }
    lastRetryAfter = retryAfterMillis;
    maxRetryAfterSeconds = Math.max(maxRetryAfterSeconds, (retryAfterMillis + 999) / 1000);
    rateBeforeThrottle = phase == Phase.OPENING ? openingRate(now) : rate;
    pauseEnd = Math.max(pauseEnd, now + retryAfterMillis);
    throttledAt = now;
    decisionDue = true;
    refill(now);
    tokens = Math.min(tokens, 0); // Linq's bucket is empty: what it refills during the pause is all there is
    if (phase == Phase.OPENING) {
      phase = Phase.EXPLORING;
    }
    rate = provisionalRate(now, retryAfterMillis);
  }

  /**
   * The rate until the end of the pause, when the answers still in flight are in and the pacer decides: what the
   * engine admits checks by, and logs. A long Retry-After: the episode's admissions over the time until the window
   * reopens. Otherwise the fit so far, which the other lines may already use: its bottom when it is narrow, else
   * {@value #BETA} of what was being sent.
   */
  private double provisionalRate(long now, long retryAfterMillis) {
    if (retryAfterMillis >= WINDOW_RETRY_AFTER_MILLIS) {
      long span = Math.max(1, now - episodeStart) + retryAfterMillis;
      return Math.max(MIN_RATE, Math.max(1, log.admittedSince(episodeStart)) * 1000.0 / span);
    }
    LimitEstimate fit = model.fit(log, maxRetryAfterSeconds, roundTrips.jitterMillis());
    if (fit != null && fit.uncertainty() <= NARROW) {
      return Math.max(MIN_RATE, Math.min(BETA * rateBeforeThrottle, fit.minRate()) * (1 - TRACKING_MARGIN));
    }
    return Math.max(MIN_RATE, BETA * rateBeforeThrottle);
  }

  @Override
  public void onPauseEnd(long until) {
    pauseEnd = Math.max(pauseEnd, until);
  }

  /**
   * What the opening was sending when Linq refused, per second: over its last {@value #PLAUSIBLE_WINDOW_MILLIS} ms (or
   * round trip), and at least {@value #RECENT_SENDS} sends. An average over the whole opening would count a slow
   * start (a cold engine) or a quiet spell before a burst of work as the rate Linq refused, and exploring would start
   * far below the limit.
   */
  private double openingRate(long now) {
    long window = Math.max(PLAUSIBLE_WINDOW_MILLIS, lastRoundTrip);
    return Math.max(MIN_RATE, log.recentSendRate(now, episodeStart, window, RECENT_SENDS));
  }

  /**
   * At the end of a 429's pause (the answers in flight are in by then): what the episode says. A long Retry-After
   * after a burst of admissions is a window; otherwise the fit over the log decides whether to track or explore,
   * and a log that no bucket explains means the limit changed.
   */
  private void decideIfDue(long now) {
    if (!decisionDue || now < pauseEnd) {
      return;
    }
    decisionDue = false;
    decide(now);
    if (LOG.isDebugEnabled()) {
      LOG.debug("Linq's limit: {} (jitter {} ms); {} at {}/s", model.estimate(),
          String.format(Locale.ROOT, "%.1f", roundTrips.jitterMillis()), phase.name().toLowerCase(Locale.ROOT),
          String.format(Locale.ROOT, "%.2f", rate()));
    }
  }

  private void decide(long now) {
    int admitted = log.admittedSince(episodeStart);
    int previous = previousEpisodeAdmitted;
    previousEpisodeAdmitted = admitted;
    boolean longPause = lastRetryAfter >= WINDOW_RETRY_AFTER_MILLIS;
    if (phase == Phase.WINDOW) {
      if (admitted >= windowLimit || (longPause && admitted >= 2)) {
        // The request beyond the limit was refused (or the window shrank): the next window opens at the pause's end.
        window(Math.min(admitted, windowLimit), pauseEnd - (windowOpenedAt == NEVER ? episodeStart : windowOpenedAt));
        return;
      }
      phase = Phase.EXPLORING; // refused before the window's limit, soon after it opened: not a window after all
    } else if (longPause && admitted >= 2) {
      window(admitted, pauseEnd - episodeStart); // a long Retry-After that ends a burst of admissions
      return;
    }
    LimitEstimate fit = model.fit(log, maxRetryAfterSeconds, roundTrips.jitterMillis());
    while (fit == null && model.forgetOldestEpisode()) {
      fit = model.fit(log, maxRetryAfterSeconds, roundTrips.jitterMillis());
      LOG.debug("No bucket explains every episode: the oldest is forgotten");
    }
    if (fit == null && admitted >= 2 && Math.abs(admitted - previous) <= Math.max(1, admitted / 10)
        && throttledAt - episodeStart < WINDOW_RETRY_AFTER_MILLIS) {
      // No bucket explains even the last two episodes, and each pause is followed by the same burst: a window
      // shorter than its Retry-After can tell (one of a second refuses with Retry-After: 1 whatever is left of it).
      // Only a short episode is a burst: two of seconds' paced sending that end alike say nothing of a window.
      window(Math.max(admitted, previous), pauseEnd - episodeStart);
      return;
    }
    if (fit == null) {
      // No bucket explains even the last two episodes: the limit changed; keep only what followed the last 429.
      model.forget(now);
      maxRetryAfterSeconds = (lastRetryAfter + 999) / 1000;
      fit = model.fit(log, maxRetryAfterSeconds, roundTrips.jitterMillis());
      double from = BETA * rateBeforeThrottle;
      region = fit == null ? LimitEstimate.UNKNOWN : fit;
      explore(now, fit == null ? from : Math.min(Math.max(from, fit.minRate()), fit.maxRate()));
      refilledSinceThrottle(now);
      return;
    }
    region = fit;
    if (phase == Phase.TRACKING && rateBeforeThrottle >= fit.minRate() * (1 - TRACKING_STEP_DOWN)) {
      // Refused at a rate the answers said was safe: the estimate is off by more than its jitter allows. (Refused
      // clearly below the rate the answers now allow, it was the burst after the pause, and the fit has a smaller
      // one now: tracking at the rate refused would give up what they allow for nothing.)
      region = new LimitEstimate(fit.shape(), Math.min(fit.minRate(), rateBeforeThrottle * (1 - TRACKING_STEP_DOWN)),
          fit.maxRate(), fit.burst(), 0);
      track(now);
    } else if (phase == Phase.TRACKING || fit.uncertainty() <= NARROW) {
      track(now);
    } else {
      explore(now, startWithin(fit));
    }
    refilledSinceThrottle(now);
  }

  /**
   * What Linq refilled since its 429 emptied the bucket, at the rate just decided (the rate paced before the 429
   * may have been a probe's): at a slow limit that is less than a burst, and a burst would draw the next 429.
   */
  private void refilledSinceThrottle(long now) {
    tokens = Math.min(capacity(), Math.max(0, now - throttledAt) * allowedRate() / 1000);
    refilledAt = now;
  }

  /**
   * Where exploring starts: inside the range the fit allows, geometrically in the middle for the account and spread
   * over it for sender lines ({@link LimitModel#explorationQuantile}), so that their next episodes differ in length.
   * The refusal bounds the rate from above; the few answers after it bound it from below, if at all, so the range
   * is taken to reach {@value #EXPLORE_SPAN} times below its top at most.
   */
  private double startWithin(LimitEstimate fit) {
    double top = Math.max(MIN_RATE, Math.min(fit.maxRate(), rateBeforeThrottle));
    double bottom = Math.min(top, Math.max(fit.minRate(), top / EXPLORE_SPAN));
    return bottom * Math.pow(top / bottom, model.explorationQuantile(log));
  }

  /**
   * Climbs from {@code from} until the next 429. No burst: Linq's bucket drains at the excess over its rate from
   * full, and the longer that takes, the more precisely the episode's 429 gives the rate.
   */
  private void explore(long now, double from) {
    phase = Phase.EXPLORING;
    setRate(now, Math.max(MIN_RATE, from));
    model.exploring(log, rate);
    capacity = startingBurst;
    climbedAt = now;
    answersSinceClimb = 0;
  }

  /**
   * Paces at the lowest rate the answers allow, with the smallest burst they allow less a quarter in reserve (as for a
   * known limit: a fit that overestimates the burst would otherwise draw a 429 with the first burst after a pause),
   * until the next probe.
   */
  private void track(long now) {
    phase = Phase.TRACKING;
    model.exploring(log, Double.NaN);
    setRate(now, Math.max(MIN_RATE, region.minRate() * (1 - TRACKING_MARGIN)));
    capacity = SendPacer.burstWithReserve(region.burst());
    holdUntil = now == NEVER ? NEVER : now + holdMillis();
  }

  /**
   * How long to track before probing above the highest rate the answers allow. A probe that finds the limit where
   * it was costs one Retry-After pause, less what Linq refills during it (its bucket's burst), and one 429; the hold
   * keeps that to {@value #PROBE_BUDGET} of the time and one 429 per {@value #SENDS_PER_PROBE} sends. The less
   * certain the rate, the more a probe may gain, so the shorter the hold.
   */
  long holdMillis() {
    double rateNow = Math.max(MIN_RATE, region.minRate());
    double pauseSeconds = Math.max(1, lastRetryAfter / 1000.0);
    double lostSeconds = Math.max(0, pauseSeconds - region.burst() / rateNow);
    // Tracking at the lowest rate the answers allow gives up about half their uncertainty, on average.
    double hold = Math.max(lostSeconds / Math.max(PROBE_BUDGET, region.uncertainty() / 2), SENDS_PER_PROBE / rateNow);
    return Math.max(MIN_HOLD_MILLIS, (long) (hold * 1000));
  }

  private void startProbe(long now) {
    phase = Phase.PROBING;
    holdUntil = NEVER;
    setRate(now, Math.max(rate, region.maxRate() * PROBE_STEP));
    climbedAt = now;
    answersSinceClimb = 0;
  }

  /**
   * Another line's 429 may pin the rate while this line is still exploring (draining its own bucket towards its
   * 429): then it tracks at once, and its 429 and pause are saved. Its bucket is part drained: no burst.
   */
  private boolean learntElsewhere(long now) {
    LimitEstimate shared = model.estimate();
    if (decisionDue || shared == region || shared.shape() != LimitEstimate.Shape.BUCKET
        || shared.uncertainty() > NARROW) {
      return false;
    }
    region = shared;
    track(now);
    refill(now);
    tokens = Math.min(tokens, 0);
    return true;
  }

  /** Exploring and probing: a step up every {@value #CLIMB_MILLIS} ms, after {@value #CLIMB_ANSWERS} answers. */
  private void climb(long now) {
    if (++answersSinceClimb < CLIMB_ANSWERS || (climbedAt != NEVER && now - climbedAt < CLIMB_MILLIS)) {
      return;
    }
    answersSinceClimb = 0;
    climbedAt = now;
    if (phase == Phase.EXPLORING) {
      if (!model.climbs(log)) {
        return;
      }
      // Up to the highest rate the fit allows: from there Linq's bucket drains slowly, and the long episode that
      // ends in the next 429 gives the rate precisely. A climb above it would only shorten that episode.
      double step = rate < region.minRate() ? FAST_CLIMB : SLOW_CLIMB;
      setRate(now, Math.max(rate, Math.min(rate * step, region.maxRate() * PROBE_STEP)));
      model.exploring(log, rate);
    } else {
      setRate(now, rate * SLOW_CLIMB);
    }
  }

  private void window(int limit, long length) {
    model.window(limit, length);
    openWindow(limit, length);
  }

  private void openWindow(int limit, long length) {
    phase = Phase.WINDOW;
    model.exploring(log, Double.NaN);
    windowLimit = Math.max(1, limit);
    long windowMillis = Math.max(1, length);
    windowOpenedAt = NEVER; // opens with the first send after the pause
    windowSends = 0;
    windowProbes = 1;
    windowProbeOut = false;
    rate = windowLimit * 1000.0 / windowMillis;
  }

  @Override
  public double rate() {
    return phase == Phase.OPENING ? Double.POSITIVE_INFINITY : allowedRate();
  }

  @Override
  public State state() {
    return phase == Phase.OPENING ? State.UNPACED : State.LEARNING;
  }

  /** What has been learnt, in the account's terms: the export for another node or a later run. */
  LimitEstimate estimate() {
    return model.estimate();
  }

  /** The estimate once the first 429 has given one; {@code null} before (nothing to hand over). */
  @Override
  public LimitEstimate learnt() {
    LimitEstimate estimate = model.estimate();
    return estimate.shape() == LimitEstimate.Shape.UNKNOWN ? null : estimate;
  }

  /**
   * Takes over where another gateway stopped sending: the shared model starts from {@code learnt} (unless its own
   * answers have said more) and this pacer paces by it at once, with no opening and no burst, since Linq's bucket
   * may be as empty as the previous sender left it.
   */
  @Override
  public void adopt(LimitEstimate learnt, long now) {
    if (learnt == null || learnt.shape() == LimitEstimate.Shape.UNKNOWN) {
      return;
    }
    model.adopt(learnt);
    adopt(model.estimate());
    if (phase == Phase.TRACKING) {
      holdUntil = now + holdMillis();
    }
    refilledAt = now;
    tokens = Math.min(tokens, 1);
  }

  Phase phase() {
    return phase;
  }

  private double allowedRate() {
    return rate;
  }

  private void setRate(long now, double newRate) {
    refill(now); // tokens earned so far accrue at the old rate
    rate = Math.min(newRate, plausibleRate());
  }

  /**
   * Twice the most Linq was seen to admit in a second (the AWS SDKs' cap on growth): answers that arrive together
   * cannot tell a huge rate with a small burst from a moderate one, and nothing justifies a rate never approached.
   */
  private double plausibleRate() {
    // The most ever seen: a log restarted after a change holds only a few answers, which would cap the rate at a
    // fraction of the limit.
    double seen = seenAdmittedRate = Math.max(seenAdmittedRate, log.maxAdmittedRate(PLAUSIBLE_WINDOW_MILLIS));
    return seen > 0 ? Math.max(MIN_RATE, MAX_GROWTH_OVER_SEEN * seen) : Double.POSITIVE_INFINITY;
  }

  /**
   * Tokens the bucket holds: the burst, plus what accrues during a timer's slack, so that a rate whose interval is
   * not a whole number of milliseconds (300/s: 3.3 ms) is not rounded down to the next whole one (4 ms: 250/s) by
   * a timer that fires on the millisecond or later.
   */
  private double capacity() {
    return Math.max(1, capacity) + allowedRate() * TIMER_SLACK_MILLIS / 1000;
  }

  private void refill(long now) {
    if (now == NEVER) {
      return;
    }
    if (refilledAt != NEVER && now > refilledAt && !Double.isInfinite(rate)) {
      tokens = Math.min(capacity(), tokens + (now - refilledAt) * allowedRate() / 1000);
    }
    refilledAt = refilledAt == NEVER ? now : Math.max(refilledAt, now);
  }
}
