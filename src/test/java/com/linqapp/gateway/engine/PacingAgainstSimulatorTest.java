package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.sim.SimulatorStats;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The pace of upstream requests against the simulator's token bucket: at a known limit (GCRA) no 429 at
 * all; an unknown limit learnt from 429s (adaptive) with nothing sent inside a pause; and admission by
 * time, which answers at once a check that the pace cannot reach before its deadline.
 *
 * <p>One request in flight at a time ({@code LINQ_MAX_CONCURRENCY=1}): then a request that reaches the
 * simulator after a 429 was sent after the gateway read that 429, so "inside a pause" is exact, and
 * requests cannot bunch on their way, so the simulator sees the gateway's own pace. (How the pace holds
 * with many requests in flight is {@code bench/}'s to measure; how few 429s the learner spends, on virtual
 * time, {@code LearningJobTest}'s and {@code AdaptivePacerTest}'s.)
 */
class PacingAgainstSimulatorTest extends GatewayTestBase {

  /** Checks every address at once on the event bus, and asserts each answer once all have come. */
  private static void checkAll(CapabilityClient client, List<String> addresses) {
    List<Future<CheckResult>> futures = addresses.stream()
        .map(address -> client.check(CheckQuery.of(Service.IMESSAGE, address))).toList();
    List<CheckResult> results = await(Future.all(futures)).list();
    assertThat(results).hasSameSizeAs(addresses);
    for (int i = 0; i < addresses.size(); i++) {
      assertThat(results.get(i).answer().address()).isEqualTo(addresses.get(i));
      assertThat(results.get(i).answer().available()).as(addresses.get(i))
          .isEqualTo(LinqSimulator.expectedAvailable("iMessage", addresses.get(i), 70));
    }
  }

  private static SimulatorOptions tokenBucket(double ratePerSecond, int burst) {
    return new SimulatorOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(ratePerSecond)
        .setBurst(burst);
  }

  @Test
  @DisplayName("at a known limit (50/s, burst 5) 150 checks are all answered without a single 429, and no faster than the limit")
  void knownLimitIsNeverExceeded(Vertx vertx) {
    // Linq's bucket holds one token more than the gateway is told: the gateway's clock counts whole
    // milliseconds, so a send may go up to 1 ms early, and that one token is 20 ms. Pacing even 1 % too
    // fast would spend it within the run and draw 429s.
    start(vertx, tokenBucket(50, 6), new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 50)
        .put("LINQ_RATE_LIMIT_BURST", 5).put("LINQ_MAX_CONCURRENCY", 1));
    List<String> addresses = addresses(150, "+1202557");

    long t0 = System.nanoTime();
    checkAll(CapabilityClient.create(vertx, 600_000), addresses);
    long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;

    SimulatorStats stats = gw.sim().stats();
    System.out.printf("known limit 50/s burst 5: 150 checks in %d ms, %s%n", elapsedMillis, stats);
    assertThat(stats.rateLimited429()).as("429 share: none of %d requests", stats.checkRequests()).isZero();
    assertThat(stats.requestsInsidePause()).isZero();
    assertThat(stats.checkRequests()).isEqualTo(150);
    // The burst kept (5 less a quarter: 4) goes at once, then one per 20.2 ms (1% under the limit): at least
    // (150 - 4) / 50 s, within the millisecond the gateway's clock may be early.
    assertThat(elapsedMillis).as("no faster than the limit").isGreaterThanOrEqualTo(2_919);
  }

  @Test
  @DisplayName("a check the pace cannot reach before its 500 ms deadline is refused at admission with Retry-After and never sent to Linq")
  void checkBeyondThePaceIsRefusedAtAdmission(Vertx vertx) {
    // One check per 100 s: once the first has gone, the next send is further away than any wait of this test.
    start(vertx, new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 0.01).put("LINQ_RATE_LIMIT_BURST", 1));
    CapabilityClient client = CapabilityClient.create(vertx, 30_000);
    assertThat(await(client.check(CheckQuery.of(Service.IMESSAGE, "+12025580000"))).source())
        .isEqualTo(CheckResult.Source.MISS);

    String late = "+12025589999";
    HttpResponse<Buffer> refused = gw.check(IMESSAGE_ROUTE, late, "X-Request-Timeout-Ms", "500");

    assertThat(refused.statusCode()).isEqualTo(429);
    JsonObject error = envelopeError(refused);
    assertThat(error.getInteger("code")).isEqualTo(1007);
    // The pace is 1% under the limit: the next send is at most 100 s ÷ 0.99 away, rounded up.
    assertThat(error.getInteger("retry_after")).as("the wait for the next send").isBetween(1, 102);
    assertThat(refused.getHeader("Retry-After")).isEqualTo(String.valueOf(error.getInteger("retry_after")));
    assertThat(gw.metric("gateway_shed_total{code=\"1007\",status=\"429\"}")).as("refused at admission").isEqualTo(1);
    assertThat(gw.metric("gateway_deadline_expiries_total{status=\"429\"}")).as("not at its deadline").isZero();
    assertThat(gw.sim().stats().requestsFor(late)).as("Linq calls for the refused check").isZero();
  }

  @Test
  @DisplayName("with an unknown limit (simulator 40/s, burst 10) 150 checks are all answered, none sent inside a pause, each 429 a pause of its own")
  void unknownLimitIsLearntWithoutSendingInsideAPause(Vertx vertx) {
    start(vertx, tokenBucket(40, 10), new JsonObject().put("LINQ_MAX_CONCURRENCY", 1));
    List<String> addresses = addresses(150, "+1202559");

    long t0 = System.nanoTime();
    checkAll(CapabilityClient.create(vertx, 600_000), addresses);
    long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;

    SimulatorStats stats = gw.sim().stats();
    double share429 = (double) stats.rateLimited429() / stats.checkRequests();
    System.out.printf("adaptive vs 40/s burst 10: 150 checks in %d ms, %d requests, %d 429s (%.1f%%), "
            + "%d inside a pause, effective %.1f/s%n", elapsedMillis, stats.checkRequests(), stats.rateLimited429(),
        100 * share429, stats.requestsInsidePause(), 150_000.0 / elapsedMillis);
    assertThat(stats.requestsInsidePause()).as("requests inside a pause").isZero();
    assertThat(gw.metric("linq_pauses_total")).as("every 429 started a pause of its own")
        .isEqualTo(stats.rateLimited429());
    assertThat(stats.answered()).isEqualTo(150);
    assertThat(stats.checkRequests()).isEqualTo(150 + stats.rateLimited429());
  }
}
