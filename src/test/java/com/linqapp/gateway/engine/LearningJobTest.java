package com.linqapp.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.sim.FixedWindow;
import com.linqapp.gateway.sim.TokenBucket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole jobs at a limit nobody configured, on a virtual clock ({@link LearningJobSim}): the engine's gate, the
 * learning pacers ({@link SendPacer#learning()}), 16 in flight, 20 ms +- 5 latency (Linq deciding halfway), and the
 * simulator's own limiters. N checks at R/s with burst B cannot finish sooner than (N - B) / R (for a window: the
 * windows they need). Each shape of issue 11 runs with five seeds; as in the issue, a target applies to the median,
 * and no run may be more than 0.05 beyond it. The real-jar benchmark ({@code bench/learn.sh}) measures the same on
 * real sockets; this keeps the learner honest in every build, in about a second.
 */
class LearningJobTest {

  private static final long[] SEEDS = {1, 2, 3, 4, 5};
  private static final int IN_FLIGHT = 16;

  /** Five runs of one shape. */
  private record Runs(String shape, double[] ratios, double[] shares429, long insidePause) {

    double median() {
      return sorted(ratios)[ratios.length / 2];
    }

    double worst() {
      return sorted(ratios)[ratios.length - 1];
    }

    double median429() {
      return sorted(shares429)[shares429.length / 2];
    }

    double worst429() {
      return sorted(shares429)[shares429.length - 1];
    }

    private static double[] sorted(double[] values) {
      double[] copy = values.clone();
      Arrays.sort(copy);
      return copy;
    }

    /** The rule: the median meets the target, no run is more than 0.05 beyond it; and the 429s' bound. */
    Runs meet(double target, double most429) {
      assertThat(median()).as("%s: median time / ideal", shape).isLessThanOrEqualTo(target);
      assertThat(worst()).as("%s: worst time / ideal", shape).isLessThanOrEqualTo(target + 0.05);
      assertThat(worst429()).as("%s: worst 429 share", shape).isLessThanOrEqualTo(most429);
      return this;
    }

    /** Numbers for docs/adaptive-rate.md (surefire keeps test output in target/surefire-reports). */
    Runs print() {
      System.out.printf(Locale.ROOT, "%s: time / ideal %s (median %.3f, worst %.3f); 429s %s (median %.2f%%)%n",
          shape, format(ratios, "%.3f"), median(), worst(), format(Arrays.stream(shares429).map(s -> 100 * s)
              .toArray(), "%.2f%%"), 100 * median429());
      return this;
    }

    private static String format(double[] values, String pattern) {
      List<String> parts = new ArrayList<>();
      for (double value : values) {
        parts.add(String.format(Locale.ROOT, pattern, value));
      }
      return String.join(" ", parts);
    }
  }

  /** Runs {@code items} checks once per seed against Linq {@code limit}, ideal time {@code idealSeconds}. */
  private static Runs run(String shape, int budgets, LearningJobSim.Limit limit, long items, double idealSeconds) {
    return run(shape, items, idealSeconds,
        seed -> new LearningJobSim(SendPacer.learning(), budgets, IN_FLIGHT, limit, 15, 10, seed));
  }

  private static Runs run(String shape, long items, double idealSeconds, LongFunction<LearningJobSim> job) {
    double[] ratios = new double[SEEDS.length];
    double[] shares = new double[SEEDS.length];
    long insidePause = 0;
    for (int i = 0; i < SEEDS.length; i++) {
      LearningJobSim.Outcome outcome = job.apply(SEEDS[i]).run(items, 3_600_000);
      assertThat(outcome.items()).as("%s seed %d: every check answered", shape, SEEDS[i]).isEqualTo(items);
      ratios[i] = outcome.seconds() / idealSeconds;
      shares[i] = outcome.throttleShare();
      insidePause += outcome.insidePause();
    }
    return new Runs(shape, ratios, shares, insidePause).print();
  }

  @Test
  @DisplayName("token bucket 200/s, burst 50, 6,000 checks: median at most 1.08 x ideal, no run above 1.13, at most 2% 429s")
  void tokenBucket6000() {
    run("bucket 200/s burst 50, 6000 checks", 1, clock -> new TokenBucket(200, 50, clock), 6_000,
        (6_000 - 50) / 200.0).meet(1.08, 0.02);
  }

  /**
   * Issue 11 asks 1.15 here, which the learner does not reach: one 429 episode gives one equation (admitted = burst
   * + rate x time to empty the bucket), so telling burst from rate takes two, and each costs its Retry-After pause
   * less the burst Linq refills meanwhile, 0.77 s at 200/s: already 1.16 x a 9.75 s job (docs/adaptive-rate.md,
   * third revision). What is asserted is what holds, so that a regression shows.
   */
  @Test
  @DisplayName("token bucket 200/s, burst 50, 2,000 checks: median at most 1.20 x ideal (issue target 1.15, not met), at most 2% 429s")
  void tokenBucket2000() {
    run("bucket 200/s burst 50, 2000 checks", 1, clock -> new TokenBucket(200, 50, clock), 2_000,
        (2_000 - 50) / 200.0).meet(1.20, 0.02);
  }

  /** The same two-episode floor as {@link #tokenBucket2000()}, per line; the lines share what they learn. */
  @Test
  @DisplayName("three sender lines of 50/s, burst 10, 1,500 checks: median at most 1.20 x ideal (issue target 1.15, not met), at most 2% 429s")
  void threeSenderLines() {
    run("3 lines of 50/s burst 10, 1500 checks", 3, clock -> new TokenBucket(50, 10, clock), 1_500,
        (1_500 - 30) / 150.0).meet(1.20, 0.02);
  }

  @Test
  @DisplayName("slow limit 2/s, burst 5, 240 checks: median at most 1.10 x ideal, 429s at most 5% (median)")
  void slowLimit() {
    Runs runs = run("bucket 2/s burst 5, 240 checks", 1, clock -> new TokenBucket(2, 5, clock), 240,
        (240 - 5) / 2.0).meet(1.10, 0.055);
    assertThat(runs.median429()).isLessThanOrEqualTo(0.05);
  }

  @Test
  @DisplayName("fixed window of 60 per 15 s, 300 checks: median at most 1.10 x the 60 s its windows take, nothing sent inside a pause")
  void fixedWindow() {
    Runs runs = run("window 60 per 15 s, 300 checks", 1, clock -> new FixedWindow(15_000, 60, clock), 300, 60)
        .meet(1.10, 1);
    assertThat(runs.insidePause()).isZero();
  }

  @Test
  @DisplayName("200/s dropping to 100/s at 40 s and back at 80 s: at least 0.9 x the new limit 10 s after the drop and 30 s after the rise, at most 3% 429s")
  void dropAndRise() {
    double[] afterDrop = new double[SEEDS.length];
    double[] afterRise = new double[SEEDS.length];
    double[] shares = new double[SEEDS.length];
    for (int i = 0; i < SEEDS.length; i++) {
      LearningJobSim.Outcome outcome = new LearningJobSim(SendPacer.learning(), 1, IN_FLIGHT,
          clock -> new TokenBucket(200, 50, clock), 15, 10, SEEDS[i])
          .changeLimitAt(40_000, 100, 50).changeLimitAt(80_000, 200, 50)
          .run(100_000, 120_000);
      afterDrop[i] = outcome.admittedRate(50_000, 55_000) / 100;
      afterRise[i] = outcome.admittedRate(110_000, 115_000) / 200;
      shares[i] = outcome.throttleShare();
      assertThat(outcome.insidePause()).isZero();
    }
    new Runs("drop and rise: [50 s, 55 s) / 100/s", afterDrop, shares, 0).print();
    new Runs("drop and rise: [110 s, 115 s) / 200/s", afterRise, shares, 0).print();
    assertThat(Runs.sorted(afterDrop)[2]).isGreaterThanOrEqualTo(0.90);
    assertThat(Runs.sorted(afterDrop)[0]).isGreaterThanOrEqualTo(0.85);
    // A probe's pause (a 429 that finds the limit where it was) costs about 15% of a 5 s window it falls in.
    assertThat(Runs.sorted(afterRise)[2]).isGreaterThanOrEqualTo(0.90);
    assertThat(Runs.sorted(afterRise)[0]).isGreaterThanOrEqualTo(0.80);
    assertThat(Runs.sorted(shares)[4]).isLessThanOrEqualTo(0.03);
  }

  /**
   * Jobs of 30 s of quota at other limits (the quota benchmark's shapes), three seeds each. One got worse with the
   * third revision, knowingly: a fixed window of one second refuses with a 1 s Retry-After, like a bucket, and its
   * first episodes fit a bucket (about 62/s, burst 88) that pacing below the window's limit never contradicts, so
   * only probes find more. The learner before ran it at 1.18 x ideal (bound 1.25); windows of 2 s and longer are
   * paced as windows (see {@link #fixedWindow()}).
   */
  @ParameterizedTest(name = "{0} {1}/s, burst {2}: at most {3} x ideal, {4} 429s")
  @CsvSource({
      // kind, limit per second, burst (bucket) or limit per window (window), most time ÷ ideal, most 429s
      "bucket, 200, 20, 1.15, 0.01",
      "bucket, 150, 20, 1.15, 0.01",
      "bucket, 300, 30, 1.15, 0.01",
      "bucket, 50, 5, 1.20, 0.02",
      "bucket, 200, 200, 1.10, 0.02",
      // a window refuses everything in flight when it first runs out, then one request per window
      "window-5s, 40, 200, 1.10, 0.035",
      "window-1s, 100, 100, 1.55, 0.03"})
  void finishesNearTheLimitWithFew429s(String kind, double rate, int burst, double most, double most429) {
    LearningJobSim.Limit linq = switch (kind) {
      case "bucket" -> clock -> new TokenBucket(rate, burst, clock);
      case "window-5s" -> clock -> new FixedWindow(5_000, burst, clock);
      case "window-1s" -> clock -> new FixedWindow(1_000, burst, clock);
      default -> throw new IllegalArgumentException(kind);
    };
    long items = (long) (30 * rate) + burst;
    for (long seed = 1; seed <= 3; seed++) {
      LearningJobSim.Outcome job = new LearningJobSim(SendPacer.learning(), 1, IN_FLIGHT, linq, 15, 10, seed)
          .run(items, 300_000);
      double ratio = job.seconds() / ((items - burst) / rate);
      System.out.printf(Locale.ROOT, "%s %.0f/%d seed %d: %.3f x ideal, 429s %.2f%%%n", kind, rate, burst, seed,
          ratio, 100 * job.throttleShare());
      assertThat(job.items()).isEqualTo(items);
      assertThat(ratio).isLessThanOrEqualTo(most);
      assertThat(job.throttleShare()).isLessThanOrEqualTo(most429);
      assertThat(job.insidePause()).isZero();
    }
  }
}
