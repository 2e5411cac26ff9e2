package com.linqapp.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.sim.FixedWindow;
import com.linqapp.gateway.sim.RateLimiter;
import com.linqapp.gateway.sim.TokenBucket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A whole job at a limit nobody configured, on a virtual clock ({@link LearningJobSim}): the engine's
 * gate, the adaptive pacer, 16 in flight, 20 ms +- 5 latency, and the simulator's own limiters. N checks
 * at R/s with burst B cannot finish sooner than (N - B) / R; each job is 30 s of quota work, three seeds.
 * The gateway benchmark (bench/run.sh) measures the same on real sockets; this keeps the learner honest
 * in every build.
 */
class LearningJobTest {

  @ParameterizedTest(name = "{0} {1}/s, burst {2}: at most {3} x ideal, {4} 429s")
  @CsvSource({
      // kind, limit per second, burst (bucket) or limit per window (window), most time ÷ ideal, most 429s
      "bucket, 200, 20, 1.15, 0.01",
      "bucket, 150, 20, 1.20, 0.01",
      "bucket, 300, 30, 1.20, 0.01",
      "bucket, 50, 5, 1.20, 0.02",
      "bucket, 200, 200, 1.10, 0.02",
      // a window refuses everything in flight when it runs out, once per window
      "window-5s, 40, 200, 1.15, 0.035",
      "window-1s, 100, 100, 1.25, 0.02"})
  void finishesNearTheLimitWithFew429s(String kind, double rate, int burst, double most, double most429) {
    LearningJobSim.Limit linq = switch (kind) {
      case "bucket" -> clock -> new TokenBucket(rate, burst, clock);
      case "window-5s" -> clock -> new FixedWindow(5_000, burst, clock);
      case "window-1s" -> clock -> new FixedWindow(1_000, burst, clock);
      default -> throw new IllegalArgumentException(kind);
    };
    long items = (long) (30 * rate) + burst;
    for (long seed = 1; seed <= 3; seed++) {
      LearningJobSim.Outcome job = new LearningJobSim(SendPacer.learning(), 1, 16, linq, 15, 10, seed)
          .run(items, 300_000);
      double ratio = job.seconds() / ((items - burst) / rate);
      System.out.printf("%s %.0f/%d seed %d: %.3f x ideal, 429s %.2f%%%n", kind, rate, burst, seed, ratio,
          100 * job.throttleShare());
      assertThat(job.items()).isEqualTo(items);
      assertThat(ratio).isLessThanOrEqualTo(most);
      assertThat(job.throttleShare()).isLessThanOrEqualTo(most429);
    }
  }
}
