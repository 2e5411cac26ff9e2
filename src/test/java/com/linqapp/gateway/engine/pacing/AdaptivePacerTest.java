package com.linqapp.gateway.engine.pacing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Drives the adaptive pacer against a simulated Linq on a virtual clock: a sender that always has work
 * asks {@code nextSendAt}, jumps the clock there, sends; the fake Linq (a token bucket of one second's
 * worth of requests at limit L) admits or answers 429 with a Retry-After of whole seconds, which the
 * sender then waits out as the engine's SendGate would. Responses are instantaneous.
 */
class AdaptivePacerTest {

  private static final long SECOND = 1_000;

  @Test
  @DisplayName("before the first 429 requests go unpaced, and rate() is infinite")
  void unlimitedBeforeFirstThrottle() {
    SendPacer pacer = SendPacer.adaptive();
    for (int i = 0; i < 1_000; i++) {
      assertThat(pacer.nextSendAt(42)).isEqualTo(42);
      pacer.onSend(42);
      pacer.onAnswer(42);
    }
    assertThat(pacer.rate()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  @DisplayName("it converges on an unknown 50/s limit: after 10 s it gets at least 85% of it, with at most 3% 429s")
  void convergesOnFixedLimit() {
    Sim sim = new Sim(SendPacer.adaptive(), 50);
    sim.runUntil(10 * SECOND);
    sim.runUntil(40 * SECOND);
    double throughput = sim.admittedBetween(10 * SECOND, 40 * SECOND) / 30.0;
    sim.report("converge 50/s", 10 * SECOND, 40 * SECOND);
    assertThat(throughput).isGreaterThanOrEqualTo(0.85 * 50);
    assertThat(sim.throttleShare()).isLessThanOrEqualTo(0.03);
  }

  @Test
  @DisplayName("it follows a limit that changes from 50/s to 20/s to 80/s: down within 10 s, up within a probe interval")
  void followsChangingLimit() {
    Sim sim = new Sim(SendPacer.adaptive(), 50);
    sim.runUntil(40 * SECOND);
    sim.setLimit(20);
    sim.runUntil(80 * SECOND);
    sim.setLimit(80);
    sim.runUntil(150 * SECOND);

    sim.report("50/s settled", 10 * SECOND, 40 * SECOND);
    sim.report("20/s settled", 50 * SECOND, 80 * SECOND);
    sim.report("80/s settled", 120 * SECOND, 150 * SECOND);
    assertThat(sim.admittedBetween(10 * SECOND, 40 * SECOND) / 30.0).isGreaterThanOrEqualTo(0.85 * 50);
    assertThat(sim.admittedBetween(50 * SECOND, 80 * SECOND) / 30.0).isGreaterThanOrEqualTo(0.85 * 20);
    // A rise is only found by probing, once per hold (33 s at Linq's 1 s Retry-After), then the climb.
    assertThat(sim.admittedBetween(120 * SECOND, 150 * SECOND) / 30.0).isGreaterThanOrEqualTo(0.85 * 80);
    assertThat(sim.throttleShareBetween(40 * SECOND, 80 * SECOND)).isLessThanOrEqualTo(0.05);
    assertThat(sim.throttleShareBetween(80 * SECOND, 150 * SECOND)).isLessThanOrEqualTo(0.05);
    assertThat(sim.throttleShare()).isLessThanOrEqualTo(0.05);
  }

  @Test
  @DisplayName("when the limit drops, the pacer is below the new limit within 5 s, and no 429 leaves the rate where it was refused")
  void backsOffOnDrop() {
    Sim sim = new Sim(SendPacer.adaptive(), 50);
    sim.runUntil(30 * SECOND);
    int before = sim.backoffs.size();
    sim.setLimit(20);
    sim.runUntil(35 * SECOND);

    assertThat(sim.backoffs.size()).isGreaterThan(before);
    Backoff first = sim.backoffs.get(before);
    System.out.printf("drop 50/s -> 20/s: 429 at %d ms, sending at %.1f/s before it, rate %.2f/s -> %.2f/s; "
        + "%d 429 episodes until 35 s, rate then %.2f/s%n", first.at, first.sendingRateBefore, first.rateBefore,
        first.rateAfter, sim.backoffs.size() - before, sim.pacer.rate());
    // The first 429 after a drop can look like the probe's or jitter's: the learner recognizes the drop when no
    // token bucket explains the answers any more (docs/adaptive-rate.md, third revision), within an episode or two.
    assertThat(sim.pacer.rate()).isLessThanOrEqualTo(20);
    for (Backoff backoff : sim.backoffs) {
      assertThat(backoff.rateAfter).isLessThan(backoff.rateBefore);
    }
  }

  @Test
  @DisplayName("at a slow limit of 0.1/s it causes only a handful of 429s in 5 minutes")
  void slowLimit() {
    Sim sim = new Sim(SendPacer.adaptive(), 0.1);
    sim.runUntil(300 * SECOND);
    sim.report("slow 0.1/s", 60 * SECOND, 300 * SECOND);
    assertThat(sim.throttled.size()).isLessThanOrEqualTo(8);
    assertThat(sim.admittedBetween(60 * SECOND, 300 * SECOND)).isGreaterThanOrEqualTo(12); // of 24 possible
  }

  @Test
  @DisplayName("it hands nothing over before its first 429; then the bucket its answers fit")
  void learntOnlyOnceFound() {
    Sim sim = new Sim(SendPacer.adaptive(), 50);
    for (long t = 10; sim.throttled.isEmpty(); t += 10) {
      assertThat(sim.pacer.learnt()).as("nothing learnt before a 429").isNull();
      sim.runUntil(t);
    }
    sim.runUntil(20 * SECOND);
    LimitEstimate learnt = sim.pacer.learnt();
    assertThat(learnt.shape()).isEqualTo(LimitEstimate.Shape.BUCKET);
    assertThat(learnt.minRate()).isBetween(45.0, 50.5);
  }

  @Test
  @DisplayName("a pacer that adopts what another learnt paces by it from its first send: no opening burst, no 429")
  void adoptedStateNeedsNoLearning() {
    Sim teacher = new Sim(SendPacer.adaptive(), 50);
    teacher.runUntil(20 * SECOND);
    LimitEstimate learnt = teacher.pacer.learnt();

    SendPacer heir = SendPacer.adaptive();
    heir.adopt(learnt, 0);
    assertThat(heir.state()).isEqualTo(SendPacer.State.LEARNING);
    assertThat(heir.rate()).isBetween(0.98 * learnt.minRate(), learnt.maxRate());
    Sim sim = new Sim(heir, 50);
    sim.runUntil(5 * SECOND);
    assertThat(sim.throttled).isEmpty();
    assertThat(sim.admittedBetween(0, 5 * SECOND)).isBetween((long) (0.95 * learnt.minRate() * 5),
        (long) (learnt.maxRate() * 5) + 2);
    Sim fresh = new Sim(SendPacer.adaptive(), 50);
    fresh.runUntil(5 * SECOND);
    assertThat(fresh.throttled).as("a pacer that learns from scratch, for contrast").isNotEmpty();

    sim.runUntil(60 * SECOND);
    sim.report("adopted 50/s", 0, 60 * SECOND);
    assertThat(sim.admittedBetween(0, 60 * SECOND) / 60.0).isGreaterThanOrEqualTo(0.9 * 50);
    assertThat(sim.throttleShare()).isLessThanOrEqualTo(0.03);
  }

  @Test
  @DisplayName("a starting rate paces from the first request and probes upwards from it")
  void startingRate() {
    Sim sim = new Sim(SendPacer.adaptive(5, 1), 50);
    assertThat(sim.pacer.rate()).isEqualTo(5);
    sim.runUntil(30 * SECOND);
    sim.report("start at 5/s, limit 50/s", 15 * SECOND, 30 * SECOND);
    assertThat(sim.admittedBetween(15 * SECOND, 30 * SECOND) / 15.0).isGreaterThanOrEqualTo(0.85 * 50);
  }

  @Test
  @DisplayName("an unpaced burst that straddles a measurement boundary is measured whole at its first 429")
  void burstAcrossBucketBoundary() {
    SendPacer pacer = SendPacer.adaptive();
    // 300 sends from 200 ms to 499 ms, 5 more just after the 500 ms boundary, then Linq's 429 (5 s pause).
    for (long t = 200; t < 500; t++) {
      pacer.onSend(t);
      pacer.onAnswer(t);
    }
    for (long t = 500; t < 505; t++) {
      pacer.onSend(t);
    }
    pacer.onThrottle(505, 5 * SECOND);
    // A 5 s Retry-After after 300 admissions is a window's: its rate is what it admitted over the time until it
    // reopens, 300 / 5.305 s (the learner before the third revision took 0.7 x 305 / 5 s). Counting only the 5
    // sends after the boundary once gave 0.7/s, and admission then shed every check as unreachable in time.
    assertThat(pacer.rate()).isCloseTo(300 / 5.305, within(0.5));
  }

  @Test
  @DisplayName("a quiet spell before a job is not the rate Linq refused: exploring starts near what was being sent")
  void quietSpellBeforeTheOpening() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    pacer.onSend(0); // one check a minute before the job, answered
    pacer.onAnswer(0, 20);
    // The job: the opening sends as answers allow (20 ms round trips), against Linq's 200/s, burst 50, from 60 s.
    long jobStart = 60 * SECOND;
    List<Long> inFlight = new ArrayList<>();
    int admitted = 0;
    long refusedAt = -1;
    for (long t = jobStart; refusedAt < 0; t++) {
      while (!inFlight.isEmpty() && inFlight.get(0) + 20 <= t) {
        long sentAt = inFlight.remove(0);
        if (admitted + 1 <= 50 + 200 * (sentAt - jobStart) / 1000.0) {
          admitted++;
          pacer.onAnswer(sentAt, t);
        } else {
          pacer.onThrottle(sentAt, t, SECOND);
          refusedAt = t;
          break;
        }
      }
      while (refusedAt < 0 && inFlight.size() < 16 && pacer.nextSendAt(t) <= t) {
        pacer.onSend(t);
        inFlight.add(t);
      }
    }
    // 16 in flight per 20 ms is 800/s: the opening was sending that fast when Linq refused. Averaged over the minute
    // since the first check, it would be about 4/s, and exploring would start there.
    pacer.nextSendAt(refusedAt + SECOND); // the pause is over: the pacer decides
    assertThat(pacer.phase()).isEqualTo(AdaptivePacer.Phase.EXPLORING);
    assertThat(pacer.rate()).isGreaterThan(100);
  }

  @Test
  @DisplayName("after a change no fit explains, exploring is not capped by the few answers since the last 429")
  void changeKeepsWhatLinqWasSeenToAdmit() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    pacer.onSend(0);
    pacer.onThrottle(0, 20, SECOND); // Linq's bucket is empty at 0
    long t = 1_020;
    pacer.nextSendAt(t);
    for (; t < 6_020; t += 5) { // then 5 s at 200/s, every check admitted: the rate is at least about 200/s
      pacer.onSend(t);
      pacer.onAnswer(t, t + 20);
    }
    pacer.onSend(t);
    pacer.onThrottle(t, t + 20, SECOND);
    t += SECOND + 20;
    pacer.nextSendAt(t);
    // After the pause Linq refuses the second request, 30 ms after the first: no bucket that admitted 200/s for 5 s
    // from empty does that, so the limit changed. Three requests sent after the refusal were still admitted.
    pacer.onSend(t);
    pacer.onAnswer(t, t + 20);
    pacer.onSend(t + 30);
    for (long inFlight = t + 35; inFlight < t + 40; inFlight += 2) {
      pacer.onSend(inFlight);
    }
    pacer.onThrottle(t + 30, t + 50, SECOND);
    for (long inFlight = t + 35; inFlight < t + 40; inFlight += 2) {
      pacer.onAnswer(inFlight, inFlight + 20);
    }
    pacer.nextSendAt(t + 50 + SECOND); // the pause is over: the pacer decides
    // Forgotten: only what followed the last 429 is fitted, and nothing bounds the rate from above.
    assertThat(pacer.estimate().maxRate()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(pacer.phase()).isEqualTo(AdaptivePacer.Phase.EXPLORING);
    // It explores from 0.7 x the rate refused. Capped at twice what the three answers since the 429 show (12/s per
    // 250 ms), it would explore at 24/s, a tenth of what Linq admitted seconds before.
    assertThat(pacer.rate()).isGreaterThan(100);
  }

  @Test
  @DisplayName("two long episodes that admit alike and fit no bucket are a changed limit, not a window")
  void longEpisodesAreNoWindow() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    long t = episode(pacer, 0, 250, 20); // 5 s at 50/s: 250 admitted, then a refusal
    pacer.nextSendAt(t); // the pause is over: the pacer decides
    // After a quiet spell, 2.5 s at 100/s: 250 admitted alike, then a refusal.
    t = episode(pacer, t + 10 * SECOND, 250, 10);
    pacer.nextSendAt(t);
    // A bucket that refuses after 250 both at 50/s and at 100/s from full refills (almost) nothing, yet it admitted
    // again after the quiet spell, and 10 ms after its refusal: no bucket explains the log. Episodes that end alike
    // right after each pause are a window shorter than its Retry-After; seconds of paced sending are not.
    assertThat(pacer.phase()).isEqualTo(AdaptivePacer.Phase.EXPLORING);
    assertThat(pacer.estimate().shape()).isNotEqualTo(LimitEstimate.Shape.WINDOW);
  }

  @Test
  @DisplayName("when no bucket explains every episode, the oldest goes first: an opening whose timing was off does not cost what later episodes pinned")
  void oldestEpisodeGoesFirst() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    // The opening on a loaded machine: 250 admitted within 0.5 s as the send times have it (Linq saw them spread).
    long t = episode(pacer, 0, 250, 2);
    pacer.nextSendAt(t);
    // Then Linq's 200/s, burst 50, exactly, each episode from a full bucket: 250 admitted at 250/s, then a refusal;
    // 125 admitted at 333/s, then a refusal. Together they say 200/s and 50; with the opening, no bucket fits.
    t = episode(pacer, t + SECOND, 250, 4);
    pacer.nextSendAt(t);
    t = episode(pacer, t + SECOND, 125, 3);
    pacer.nextSendAt(t);
    // Forgetting all but the last episode (a changed limit) would explore again from nothing.
    assertTracksNear200(pacer);
  }

  @Test
  @DisplayName("requests that waited for a connection count from when they left: an opening on cold connections fits as Linq saw it")
  void requestsCountFromWhenTheyLeft() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    // Linq: 200/s, burst 50. The opening sent 125 within 125 ms, but each waited for a connection: they left, and
    // reached Linq, 3 ms apart (333/s), and the bucket emptied after 375 ms.
    long t = episode(pacer, 0, 125, 1, 3);
    pacer.nextSendAt(t);
    // Then 250 admitted at 250/s from the pause's end, and a refusal. With the opening as Linq saw it, the two
    // episodes pin the rate; as sent, they fit a bucket of 143/s and burst 107.
    t = episode(pacer, t, 250, 4);
    pacer.nextSendAt(t);
    assertTracksNear200(pacer);
  }

  /** Tracking on an estimate within 5 % of Linq's 200/s either way. */
  private static void assertTracksNear200(AdaptivePacer pacer) {
    assertThat(pacer.phase()).isEqualTo(AdaptivePacer.Phase.TRACKING);
    assertThat(pacer.estimate().minRate()).isBetween(190.0, 200.0);
    assertThat(pacer.estimate().maxRate()).isBetween(200.0, 210.0);
  }

  @Test
  @DisplayName("a 429 drawn by the burst after a pause, below the rate the answers now allow, does not lower the rate")
  void aBurstsRefusalKeepsTheRate() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    // Linq: 200/s, burst 50. An opening whose send times were compressed (250 within 0.5 s), then 250 at 250/s:
    // together they fit a bucket of about 124/s with a burst of 187, which the pacer tracks.
    long t = episode(pacer, 0, 250, 2);
    pacer.nextSendAt(t);
    t = episode(pacer, t, 250, 4);
    pacer.nextSendAt(t);
    assertThat(pacer.phase()).isEqualTo(AdaptivePacer.Phase.TRACKING);
    double refused = pacer.rate();
    assertThat(refused).isLessThan(130);
    // Its burst after the pause: Linq admits 50 and refuses the next. The answers now pin 200/s and 50 (the
    // opening is forgotten); the refusal was the burst's, not the rate's.
    t = episode(pacer, t, 50, 0);
    pacer.nextSendAt(t);
    assertThat(pacer.phase()).isEqualTo(AdaptivePacer.Phase.TRACKING);
    assertThat(pacer.estimate().minRate()).isBetween(190.0, 200.0);
    assertThat(pacer.rate()).isGreaterThan(185.0);
  }

  @Test
  @DisplayName("episodes that end alike are a window only if forgetting the oldest leaves no bucket that explains them")
  void oldestEpisodeGoesBeforeAWindow() {
    AdaptivePacer pacer = new AdaptivePacer(Double.POSITIVE_INFINITY, 1);
    // Linq: 200/s, burst 50. An opening whose send times were compressed (250 within 0.5 s), then two short
    // episodes from a full bucket that end alike: 125 admitted at 333/s, and after a quiet spell 131 at 323/s.
    long t = episode(pacer, 0, 250, 2);
    pacer.nextSendAt(t);
    t = episode(pacer, t, 125, 3);
    pacer.nextSendAt(t);
    t = episode(pacer, t + 2 * SECOND, 131, 3.1, 3.1);
    pacer.nextSendAt(t);
    // With the opening, no bucket explains the log; without it, buckets do: 200/s and 50, but also 90/s and 94
    // (two short episodes at close rates are ambiguous; the next one tells). Before, it was taken for a window.
    assertThat(pacer.phase()).isNotEqualTo(AdaptivePacer.Phase.WINDOW);
    assertThat(pacer.estimate().shape()).isEqualTo(LimitEstimate.Shape.BUCKET);
  }

  /**
   * {@code count} requests {@code spacing} ms apart from {@code from}, admitted; then one refused and one in flight
   * admitted 10 ms after it (answers come 20 ms after each send). Returns the end of the refusal's 1 s pause.
   */
  private static long episode(AdaptivePacer pacer, long from, int count, long spacing) {
    return episode(pacer, from, count, spacing, spacing);
  }

  /** {@link #episode(AdaptivePacer, long, int, long)} whose requests were sent {@code sentSpacing} ms apart. */
  private static long episode(AdaptivePacer pacer, long from, int count, double sentSpacing, double spacing) {
    long t = from;
    long sent = from;
    for (int i = 0; i < count; i++) {
      pacer.onSend(sent);
      pacer.onAnswer(sent, t, t + 20);
      t = from + Math.round((i + 1) * spacing);
      sent = from + Math.round((i + 1) * sentSpacing);
    }
    pacer.onSend(sent);
    pacer.onSend(sent + 10);
    pacer.onThrottle(sent, t, t + 20, SECOND);
    pacer.onAnswer(sent + 10, t + 10, t + 30);
    return t + 20 + SECOND;
  }

  @Test
  @DisplayName("the 429s of requests already in flight cut the rate once, not once each")
  void oneDecreasePerEpisode() {
    SendPacer pacer = SendPacer.adaptive(10, 1);
    long now = 0;
    for (int i = 0; i < 100; i++) {
      now = Math.max(now, pacer.nextSendAt(now));
      pacer.onSend(now);
      pacer.onAnswer(now);
    }
    pacer.onThrottle(now);
    double afterFirst = pacer.rate();
    pacer.onThrottle(now + 5);
    pacer.onThrottle(now + 9);
    assertThat(pacer.rate()).isEqualTo(afterFirst);
  }

  @Test
  @DisplayName("the rate never falls below the floor of one request per 20 s")
  void floor() {
    SendPacer pacer = SendPacer.adaptive();
    long now = 0;
    for (int i = 0; i < 50; i++) {
      now += 60 * SECOND;
      pacer.onSend(now);
      pacer.onThrottle(now);
    }
    assertThat(pacer.rate()).isEqualTo(AdaptivePacer.MIN_RATE);
    assertThat(pacer.nextSendAt(now)).isLessThanOrEqualTo(now + 20 * SECOND);
  }

  @Test
  @DisplayName("what pacers learnt is exported, survives JSON, and starts a pacer made elsewhere at the learnt rate with no opening")
  void learntEstimateMovesBetweenFactories() {
    LearningPacers learnt = SendPacer.learning();
    Sim sim = new Sim(learnt.create(), 50);
    sim.runUntil(20 * SECOND);
    LimitEstimate estimate = learnt.estimate();
    assertThat(estimate.shape()).isEqualTo(LimitEstimate.Shape.BUCKET);
    assertThat(estimate.minRate()).isBetween(45.0, 50.5);
    assertThat(estimate.maxRate()).isBetween(49.5, 56.0);

    LimitEstimate carried = LimitEstimate.fromJson(new io.vertx.core.json.JsonObject(estimate.toJson().encode()));
    assertThat(carried).isEqualTo(estimate);
    LearningPacers elsewhere = SendPacer.learning();
    elsewhere.adopt(carried);
    SendPacer started = elsewhere.create();
    assertThat(started.rate()).as("paced from the first request").isBetween(0.98 * 45, 50.5);
    Sim second = new Sim(started, 50);
    second.runUntil(20 * SECOND);
    // No opening burst, so no 429 before the first probe's hold is over; then a probe per hold at most.
    assertThat(second.throttled).as("no opening burst").allMatch(at -> at >= AdaptivePacer.MIN_HOLD_MILLIS);
    assertThat(second.throttled).hasSizeLessThanOrEqualTo((int) (20 * SECOND / AdaptivePacer.MIN_HOLD_MILLIS));
    assertThat(second.admittedBetween(0, 20 * SECOND) / 20.0).isGreaterThanOrEqualTo(0.9 * 50);
  }

  @Test
  @DisplayName("a pacer started from what others learnt probes after its hold, and finds a limit that has risen")
  void startedFromAnEstimateStillProbes() {
    LearningPacers factory = SendPacer.learning();
    factory.adopt(new LimitEstimate(LimitEstimate.Shape.BUCKET, 45, 50.5, 50, 0)); // learnt at 50/s, elsewhere
    Sim sim = new Sim(factory.create(), 80); // the limit is 80/s by now: only a probe finds out
    sim.runUntil(30 * SECOND);
    sim.report("started from 45-50.5/s, limit 80/s", 20 * SECOND, 30 * SECOND);
    assertThat(sim.admittedBetween(20 * SECOND, 30 * SECOND) / 10.0).isGreaterThanOrEqualTo(0.85 * 80);
  }

  @Test
  @DisplayName("nonsense parameters are refused")
  void invalid() {
    assertThatThrownBy(() -> SendPacer.adaptive(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SendPacer.adaptive(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  /** One 429 seen by the sender: its sending rate over the second up to it, and rate() around it. */
  private record Backoff(long at, double sendingRateBefore, double rateBefore, double rateAfter) {
  }

  /** A sender with endless work, a Linq token bucket at {@code limit}/s, and a virtual clock. */
  private static final class Sim {
    final SendPacer pacer;
    final List<Long> admitted = new ArrayList<>();
    final List<Long> throttled = new ArrayList<>();
    final List<Backoff> backoffs = new ArrayList<>();
    private double limit;
    private double linqTokens;
    private long linqAt;
    private long now;
    private long pausedUntil;

    private final double capacitySeconds;

    Sim(SendPacer pacer, double limit) {
      this(pacer, limit, 1.0);
    }

    /** @param capacitySeconds Linq's bucket holds this many seconds' worth of requests */
    Sim(SendPacer pacer, double limit, double capacitySeconds) {
      this.pacer = pacer;
      this.limit = limit;
      this.capacitySeconds = capacitySeconds;
      this.linqTokens = capacity();
    }

    private double capacity() {
      return Math.max(1, limit * capacitySeconds);
    }

    void setLimit(double newLimit) {
      refillLinq(now);
      limit = newLimit;
      linqTokens = Math.min(linqTokens, capacity());
    }

    void runUntil(long end) {
      for (int steps = 0; steps < 10_000_000; steps++) {
        long at = Math.max(pausedUntil, pacer.nextSendAt(now));
        if (at >= end) {
          now = end;
          return;
        }
        now = at;
        pacer.onSend(now);
        refillLinq(now);
        if (linqTokens >= 1) {
          linqTokens -= 1;
          admitted.add(now);
          pacer.onAnswer(now);
        } else {
          long retryAfterSeconds = (long) Math.ceil((1 - linqTokens) / limit);
          long since = Math.max(now - SECOND, pausedUntil);
          double sendingRate = sentBetween(since, now + 1) * 1000.0 / Math.max(1, now + 1 - since);
          double rateBefore = pacer.rate();
          throttled.add(now);
          pacer.onThrottle(now, retryAfterSeconds * SECOND);
          backoffs.add(new Backoff(now, sendingRate, rateBefore, pacer.rate()));
          pausedUntil = now + retryAfterSeconds * SECOND;
        }
      }
      throw new AssertionError("simulation did not advance");
    }

    private void refillLinq(long at) {
      linqTokens = Math.min(capacity(), linqTokens + (at - linqAt) * limit / 1000);
      linqAt = at;
    }

    long admittedBetween(long from, long to) {
      return count(admitted, from, to);
    }

    double sentBetween(long from, long to) {
      return count(admitted, from, to) + count(throttled, from, to);
    }

    double throttleShare() {
      return (double) throttled.size() / (admitted.size() + throttled.size());
    }

    double throttleShareBetween(long from, long to) {
      return count(throttled, from, to) / sentBetween(from, to);
    }

    private static long count(List<Long> times, long from, long to) {
      return times.stream().filter(t -> t >= from && t < to).count();
    }

    /** Numbers for docs/adaptive-rate.md (surefire keeps test output in target/surefire-reports). */
    void report(String label, long from, long to) {
      System.out.printf("%s: %.2f/s admitted in [%d s, %d s), 429s there %d (%.2f%%), "
              + "429s overall %d of %d (%.2f%%), rate now %.2f/s%n",
          label, admittedBetween(from, to) * 1000.0 / (to - from), from / 1000, to / 1000,
          count(throttled, from, to), 100 * throttleShareBetween(from, to),
          throttled.size(), admitted.size() + throttled.size(), 100 * throttleShare(), pacer.rate());
    }
  }
}
