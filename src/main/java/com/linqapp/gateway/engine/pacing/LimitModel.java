package com.linqapp.gateway.engine.pacing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the adaptive pacers of one factory learn together: the account's pacer alone, or every sender line's when
 * Linq limits each line (lines of one account are taken to be limited alike until their answers say otherwise).
 * Each pacer keeps its own {@link ExchangeLog}; the model fits a token bucket to all of them at once, so the first
 * episodes of three lines say as much as three episodes of one. Confined to the engine's event loop.
 */
final class LimitModel {

  /** Most exchanges a log keeps (a few minutes at a fast limit); older ones are dropped at a refusal. */
  static final int LOG_CAPACITY = 8_192;

  private final List<ExchangeLog> logs = new ArrayList<>();
  /** The rate each exploring pacer (by its log) sends at: only the fastest climbs. */
  private final Map<ExchangeLog, Double> exploring = new HashMap<>();
  private LimitEstimate estimate = LimitEstimate.UNKNOWN;
  /** The burst learnt before the limit last changed: usually it has not changed with the rate. */
  private double[] burstHint;
  /** The bursts the last fit allowed, from its highest rate to its lowest. */
  private double[] burstFit;

  ExchangeLog newLog() {
    ExchangeLog log = new ExchangeLog(LOG_CAPACITY);
    logs.add(log);
    return log;
  }

  /**
   * Where in the range of possible rates {@code log}'s pacer starts exploring, in (0, 1) from its bottom to its top
   * (geometrically): lines spread over the range, so that their next episodes differ in length, which is what tells
   * a burst from a rate; the account's pacer starts in the middle.
   */
  double explorationQuantile(ExchangeLog log) {
    return (logs.indexOf(log) + 1.0) / (logs.size() + 1.0);
  }

  /** {@code log}'s pacer explores at {@code rate} (NaN: no longer). */
  void exploring(ExchangeLog log, double rate) {
    if (Double.isNaN(rate)) {
      exploring.remove(log);
    } else {
      exploring.put(log, rate);
    }
  }

  /**
   * Whether {@code log}'s pacer should climb: lines exploring at once send at rates spread over the range, and the
   * 429 of the fastest gives the others what they need, so only the fastest climbs towards the limit.
   */
  boolean climbs(ExchangeLog log) {
    double own = exploring.getOrDefault(log, 0.0);
    for (Map.Entry<ExchangeLog, Double> other : exploring.entrySet()) {
      if (other.getKey() != log && other.getValue() > own) {
        return false;
      }
    }
    return true;
  }

  LimitEstimate estimate() {
    return estimate;
  }

  /** An estimate learnt elsewhere (another node, an earlier run), taken until this model's own answers say more. */
  void adopt(LimitEstimate learnt) {
    if (estimate.shape() == LimitEstimate.Shape.UNKNOWN) {
      estimate = learnt;
    }
  }

  void window(double limit, long windowMillis) {
    estimate = new LimitEstimate(LimitEstimate.Shape.WINDOW, limit * 1000.0 / windowMillis, limit * 1000.0 / windowMillis,
        limit, windowMillis);
  }

  /**
   * Fits a token bucket to every log (or, when the lines turn out to differ, to {@code own} alone).
   *
   * @param maxRetryAfterSeconds the longest whole-second Retry-After since the logs start (bounds a bucket's rate)
   * @param jitterMillis how much the way to Linq varies (from the round trips)
   * @return the estimate, or {@code null} when no bucket explains the answers (the limit changed, or is no bucket)
   */
  LimitEstimate fit(ExchangeLog own, long maxRetryAfterSeconds, double jitterMillis) {
    double lowest = AdaptivePacer.MIN_RATE;
    BucketFit all = new BucketFit(logs, jitterMillis).near(estimate.minRate(), estimate.maxRate());
    BucketFit.Region region = burstHint == null ? null
        : all.withBurst(burstHint[0], burstHint[1]).fit(lowest, AdaptivePacer.MAX_RATE,
            maxRetryAfterSeconds);
    if (region == null) {
      region = all.fit(lowest, AdaptivePacer.MAX_RATE, maxRetryAfterSeconds);
    }
    if (region == null && logs.size() > 1) {
      region = new BucketFit(List.of(own), jitterMillis).fit(lowest, AdaptivePacer.MAX_RATE, maxRetryAfterSeconds);
    }
    if (region == null) {
      return null;
    }
    estimate = new LimitEstimate(LimitEstimate.Shape.BUCKET, region.minRate(), region.maxRate(),
        Math.max(1, region.burstAtMax()), 0);
    burstFit = new double[] {region.burstAtMax(), region.burstAtMin()};
    return estimate;
  }

  /**
   * Forgets each log's oldest episode, when two later ones remain: the oldest answers are the first to go when no
   * bucket explains them all, because they are the likeliest to be wrong (an opening sent by a cold, saturated
   * machine, whose send times stand for Linq's arrivals only to within tens of milliseconds) or to predate a change.
   *
   * @return whether any log forgot an episode
   */
  boolean forgetOldestEpisode() {
    boolean forgot = false;
    for (ExchangeLog log : logs) {
      forgot |= log.dropOldestEpisode();
    }
    return forgot;
  }

  /**
   * The limit changed: forgets what each log says before its last refusal (or the whole log, if it has none), but
   * keeps the burst it had learnt as a hint for the next fits.
   */
  void forget(long now) {
    for (ExchangeLog log : logs) {
      log.restartAfterLastRefusal(now);
    }
    if (burstFit != null && estimate.uncertainty() <= AdaptivePacer.NARROW) {
      burstHint = new double[] {Math.max(1, burstFit[0] - 1), burstFit[1] + 1};
    }
    estimate = LimitEstimate.UNKNOWN;
  }
}
