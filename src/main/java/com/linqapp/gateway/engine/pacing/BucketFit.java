package com.linqapp.gateway.engine.pacing;

import java.util.ArrayList;
import java.util.List;

/**
 * Which token buckets could have given the answers in one or more {@link ExchangeLog}s: the range of rates
 * {@code L} for which some burst {@code B} explains every admission and every refusal.
 *
 * <p>A token bucket admits a run of requests if and only if no window holds more of them than it can supply:
 * {@code admitted in [s, t] <= B + L (t - s)} (the "arrival curve" of network calculus). So every window between two
 * admissions bounds {@code B} from below at a given {@code L}. A refusal at {@code v} means the bucket held less than
 * one token: since the last moment {@code s} it was full, it gained {@code L (v - s)} and lost an admission each, so
 * {@code B + L (v - s) - admitted in [s, v) < 1} for some {@code s}, which bounds {@code B} from above. A rate is
 * possible when the two bounds leave room for a burst. Both bounds are evaluated for one {@code L} in a single pass
 * (a running minimum of {@code admitted before s - L s}).
 *
 * <p>The range of possible rates can be narrower than any grid (two episodes pin a rate to a few percent), so the
 * search scans a geometric grid for the rates that violate the log least locally, refines each, and then bisects
 * for the ends of the range around the best.
 *
 * <p>Linq's clock and ours differ by the way there: every window's length is loosened by the jitter the round
 * trips show ({@code jitterMillis}), never below nothing, and admissions by {@link #TOLERANCE_TOKENS}. A log that no
 * bucket explains within {@link #NOISE_TOKENS} more means the limit changed, or is not a bucket.
 *
 * <p>Several logs (one per sender line, all of one shape) are fitted together: a rate must be possible in each.
 */
final class BucketFit {

  /** Slack on the admissions' bound, in tokens (Linq's arithmetic is exact; this is for rounding). */
  static final double TOLERANCE_TOKENS = 0.5;
  /** A refusal is taken to empty a bucket drained for at least this long, unless sending had just resumed. */
  static final long MIN_DRAIN_MILLIS = 25;
  /**
   * A log that misses every rate by at most this many tokens is jitter beyond what the round trips showed, not a
   * change of limit: the rates that miss least are taken.
   */
  static final double NOISE_TOKENS = 2.0;
  /** A rate fits when its bursts overlap by at least this much (the refusal's bound is strict). */
  static final double FIT_MARGIN = 1e-6;
  /** The grid's step: adjacent rates differ by this factor. */
  private static final double GRID_STEP = 1.25;
  /** The finer grid around the last estimate, and how far beyond its ends it reaches. */
  private static final double FINE_STEP = 1.005;
  private static final double FINE_REACH = 1.1;
  private static final int BISECTIONS = 12;
  /** Steps of the search for the rate that fits best inside a grid step. */
  private static final int REFINEMENTS = 24;

  /**
   * The rates that fit, and the bursts at their ends.
   *
   * @param minRate lowest possible rate, requests/s
   * @param maxRate highest possible rate (infinite when nothing bounds it: no refusal yet)
   * @param burstAtMin smallest burst that fits at {@code minRate}
   * @param burstAtMax smallest burst that fits at {@code maxRate}: the smallest possible burst of all
   */
  record Region(double minRate, double maxRate, double burstAtMin, double burstAtMax) {

    /** Relative width of the range of rates: 0 when the rate is known. */
    double uncertainty() {
      return maxRate / minRate - 1;
    }
  }

  private final List<ExchangeLog> logs;
  private final double jitterMillis;
  private final double burstFrom;
  private final double burstTo;
  private final double nearFrom;
  private final double nearTo;

  /**
   * @param jitterMillis how much the way to Linq varies: the slack on every window's length
   */
  BucketFit(List<ExchangeLog> logs, double jitterMillis) {
    this(logs, jitterMillis, 1, Double.POSITIVE_INFINITY, Double.NaN, Double.NaN);
  }

  private BucketFit(List<ExchangeLog> logs, double jitterMillis, double burstFrom, double burstTo, double nearFrom,
                    double nearTo) {
    this.logs = logs;
    this.jitterMillis = jitterMillis;
    this.burstFrom = burstFrom;
    this.burstTo = burstTo;
    this.nearFrom = nearFrom;
    this.nearTo = nearTo;
  }

  /**
   * The same fit for a burst known to lie in {@code [from, to]}: after the limit changed, Linq's burst usually has
   * not, and with it one episode gives the new rate.
   */
  BucketFit withBurst(double from, double to) {
    return new BucketFit(logs, jitterMillis, from, to, nearFrom, nearTo);
  }

  /**
   * The same fit, searched finely around {@code [from, to]} (the last estimate, when narrower than a step of the
   * grid): a long episode pins the rate to a fraction of a percent, a valley the grid steps over, and beside it the
   * log may fit worse and worse towards rates that only a tiny burst explains.
   */
  BucketFit near(double from, double to) {
    return new BucketFit(logs, jitterMillis, burstFrom, burstTo, from, to);
  }

  /**
   * @param lowest  the lowest rate worth considering (the pacer's floor)
   * @param highest the highest (well above anything that could be sent)
   * @param maxRetryAfterSeconds for a bucket, a {@code Retry-After} of {@code R >= 2} whole seconds means the next
   *     token was more than {@code R - 1} s away, so the rate is below {@code 1 / (R - 1)}; 0 when none applies
   * @return the rates that fit, or {@code null} when none does
   */
  Region fit(double lowest, double highest, long maxRetryAfterSeconds) {
    double ceiling = maxRetryAfterSeconds >= 2 ? Math.min(highest, 1.0 / (maxRetryAfterSeconds - 1)) : highest;
    lowest = Math.min(lowest, ceiling);
    List<Double> grid = new ArrayList<>();
    for (double rate = lowest; rate < ceiling; rate *= GRID_STEP) {
      grid.add(rate);
    }
    grid.add(ceiling);
    if (nearFrom > 0 && nearTo <= nearFrom * GRID_STEP && nearTo < ceiling) {
      for (double rate = Math.max(lowest, nearFrom / FINE_REACH); rate < Math.min(ceiling, nearTo * FINE_REACH);
           rate *= FINE_STEP) {
        grid.add(rate);
      }
      grid.sort(null);
    }
    double[] violations = new double[grid.size()];
    for (int i = 0; i < violations.length; i++) {
      violations[i] = violation(grid.get(i));
    }
    double best = Double.NaN;
    double bestViolation = Double.POSITIVE_INFINITY;
    for (int i = 0; i < violations.length; i++) {
      boolean localMinimum = (i == 0 || violations[i] <= violations[i - 1])
          && (i == violations.length - 1 || violations[i] <= violations[i + 1]);
      if (!localMinimum || violations[i] == Double.MAX_VALUE) {
        continue;
      }
      double[] refined = refine(grid.get(i), violations[i], grid.get(Math.max(0, i - 1)),
          grid.get(Math.min(violations.length - 1, i + 1)));
      if (refined[1] < bestViolation) {
        best = refined[0];
        bestViolation = refined[1];
      }
    }
    if (!(bestViolation <= NOISE_TOKENS)) {
      return null;
    }
    // Jitter beyond the allowance leaves no rate that fits exactly: then the rates that miss by at most a token
    // more than the least (a single best rate would claim a precision the answers do not have).
    double allowed = bestViolation <= -FIT_MARGIN ? -FIT_MARGIN : bestViolation + 1;
    double minRate = end(best, lowest, 1 / GRID_STEP, allowed);
    double maxRate = end(best, ceiling, GRID_STEP, allowed);
    return new Region(minRate, maxRate >= highest ? Double.POSITIVE_INFINITY : maxRate, minBurst(minRate),
        minBurst(maxRate));
  }

  /** Narrows down on the rate that violates least between {@code low} and {@code high}: {rate, violation}. */
  private double[] refine(double best, double bestViolation, double low, double high) {
    for (int i = 0; i < REFINEMENTS && bestViolation >= 0; i++) {
      double lower = Math.sqrt(low * best);
      double upper = Math.sqrt(best * high);
      double atLower = violation(lower);
      double atUpper = violation(upper);
      if (atLower < bestViolation && atLower <= atUpper) {
        high = best;
        best = lower;
        bestViolation = atLower;
      } else if (atUpper < bestViolation) {
        low = best;
        best = upper;
        bestViolation = atUpper;
      } else {
        low = lower;
        high = upper;
      }
    }
    return new double[] {best, bestViolation};
  }

  /** The end of the range that fits, from {@code inside} towards {@code limit}, stepping by {@code step}. */
  private double end(double inside, double limit, double step, double allowed) {
    double in = inside;
    while (in != limit) {
      double next = step > 1 ? Math.min(in * step, limit) : Math.max(in * step, limit);
      if (violation(next) > allowed) {
        return bisect(next, in, allowed);
      }
      in = next;
    }
    return limit;
  }

  /** The boundary between {@code out} (does not fit) and {@code in} (fits). */
  private double bisect(double out, double in, double allowed) {
    for (int i = 0; i < BISECTIONS; i++) {
      double mid = Math.sqrt(out * in);
      if (violation(mid) <= allowed) {
        in = mid;
      } else {
        out = mid;
      }
    }
    return in;
  }

  /** By how many tokens the tightest log misses at {@code rate}: negative when every log fits. */
  double violation(double rate) {
    double lowest = burstFrom;
    double highest = burstTo;
    for (ExchangeLog log : logs) {
      double[] burst = burstRange(log, rate);
      if (burst == null) {
        return Double.MAX_VALUE;
      }
      lowest = Math.max(lowest, burst[0]);
      highest = Math.min(highest, burst[1]);
    }
    return lowest - highest;
  }

  /** The smallest burst every log needs at {@code rate} (their bursts are one). */
  double minBurst(double rate) {
    double burst = 1;
    for (ExchangeLog log : logs) {
      double[] range = burstRange(log, rate);
      if (range != null) {
        burst = Math.max(burst, range[0]);
      }
    }
    return burst;
  }

  /**
   * The bursts that explain {@code log} at {@code rate}: {@code [lowest, highest]}, or {@code null} when no burst
   * does (a condition on the rate alone failed).
   *
   * <p>With {@code c(x)} the admissions sent before {@code x}, {@code J} the jitter and {@code T} the tolerance:
   * an admission at {@code a} needs {@code B >= 1 + c(a) - c(s) - L (a - s + J) - T} for every moment {@code s}
   * the bucket may have been full (an admission, or the start when full); a refusal at {@code v} needs
   * {@code B < 1 + c(v) - c(s) - L max(0, v - s - J)} for some such {@code s} (a refusal no such {@code s} explains
   * rules the rate out). Both are running minima of {@code c(s) - L s}: one pass. A refusal is explained by a
   * bucket last full less than {@value #MIN_DRAIN_MILLIS} ms before it only at a resume (the first send after a pause
   * Linq ordered, or the start when full): otherwise any refusal would be "explained" by a tiny burst at any rate,
   * within the jitter.
   */
  double[] burstRange(ExchangeLog log, double rate) {
    double perMilli = rate / 1000;
    double jitter = perMilli * jitterMillis;
    ExchangeLog.Start startState = log.startState();
    long start = log.start();
    double lowest = 1;
    double highest = Double.POSITIVE_INFINITY;
    int admitted = 0;
    // min of c(s) - L s over the moments s the bucket may have been full, for admissions: every earlier admission,
    // and the start unless it was empty
    double fullBefore = startState == ExchangeLog.Start.EMPTY ? Double.POSITIVE_INFINITY : -perMilli * start;
    // the same for refusals, over the moments at least MIN_DRAIN_MILLIS before (a pointer lagging behind)
    double fullLongBefore = Double.POSITIVE_INFINITY;
    int lag = 0;
    int admittedBeforeLag = 0;
    long resumedAt = startState == ExchangeLog.Start.FULL ? start : Long.MIN_VALUE;
    int admittedAtResume = 0;
    for (int i = 0; i < log.size(); i++) {
      byte outcome = log.outcome(i);
      long at = log.sentAt(i);
      if (log.resumed(i)) {
        resumedAt = at;
        admittedAtResume = admitted;
      }
      if (outcome == ExchangeLog.PENDING) {
        continue;
      }
      double level = admitted - perMilli * at;
      if (outcome == ExchangeLog.ADMITTED) {
        if (startState == ExchangeLog.Start.EMPTY
            && perMilli * (at - start + jitterMillis) + TOLERANCE_TOKENS < admitted) {
          return null; // from less than one token, the bucket could not have admitted this many by now
        }
        if (fullBefore != Double.POSITIVE_INFINITY) {
          lowest = Math.max(lowest, 1 + level - fullBefore - jitter - TOLERANCE_TOKENS);
        }
        fullBefore = Math.min(fullBefore, level);
        admitted++;
        continue;
      }
      long cutoff = at - MIN_DRAIN_MILLIS;
      while (lag < i && log.sentAt(lag) <= cutoff) {
        if (log.outcome(lag) == ExchangeLog.ADMITTED) {
          fullLongBefore = Math.min(fullLongBefore, admittedBeforeLag - perMilli * log.sentAt(lag));
          admittedBeforeLag++;
        }
        lag++;
      }
      if (startState != ExchangeLog.Start.FULL
          && perMilli * Math.max(0, at - start - jitterMillis) < admitted + 1 + TOLERANCE_TOKENS) {
        continue; // the bucket may have been short of a token since the start: nothing to learn about the burst
      }
      double longBefore = startState == ExchangeLog.Start.FULL && start <= cutoff
          ? Math.min(fullLongBefore, -perMilli * start) : fullLongBefore;
      double drained = longBefore == Double.POSITIVE_INFINITY ? 0
          : Math.max(0, level - longBefore + Math.min(jitter, perMilli * (at - start)));
      if (resumedAt != Long.MIN_VALUE && resumedAt > cutoff) {
        drained = Math.max(drained, admitted - admittedAtResume); // a burst into a full bucket since the resume
      }
      if (drained <= 0) {
        return null; // at this rate Linq's bucket would have been full: the refusal cannot be explained
      }
      highest = Math.min(highest, 1 + drained);
    }
    return new double[] {lowest, highest};
  }
}
