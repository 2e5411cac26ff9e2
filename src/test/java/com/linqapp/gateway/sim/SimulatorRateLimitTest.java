package com.linqapp.gateway.sim;

import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Rate limiting and pause accounting over HTTP, on a fake clock. */
class SimulatorRateLimitTest extends SimulatorHttpTestBase {

  private static final long SECOND = 1_000_000_000L;
  private static final String PHONE = "+12025550123";

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  @Test
  void tokenBucketOverHttp(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get)
        .setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(0.5).setBurst(2));
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(rcs(PHONE).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> limited = imessage(PHONE);
    JsonObject error = assertError(limited, 429, 1007);
    assertThat(limited.getHeader("Retry-After")).isEqualTo("2");
    assertThat(error.getInteger("retry_after")).isEqualTo(2);
    assertThat(error.getString("message")).isEqualTo("Rate limited. Try again in 2 seconds.");

    assertThat(phoneNumbers(KEY).statusCode()).as("phone_numbers costs no quota").isEqualTo(200);
    now.addAndGet(SECOND / 2);
    assertThat(imessage(PHONE).getHeader("Retry-After")).isEqualTo("2");
    now.addAndGet(SECOND);
    assertThat(imessage(PHONE).getHeader("Retry-After")).as("0.5 s left rounds up").isEqualTo("1");
    now.addAndGet(SECOND / 2);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(sim.stats().answered()).isEqualTo(3);
    assertThat(sim.stats().rateLimited429()).isEqualTo(3);
  }

  @Test
  void fixedWindowOverHttpAndRuntimeChange(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get));
    for (int i = 0; i < 5; i++) {
      assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    }
    sim.fixedWindow(5_000, 2);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(imessage(PHONE).getHeader("Retry-After")).isEqualTo("5");
    now.addAndGet(2_500_000_000L);
    assertThat(imessage(PHONE).getHeader("Retry-After")).isEqualTo("3");
    now.addAndGet(2_500_000_000L);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    sim.noRateLimit();
    for (int i = 0; i < 5; i++) {
      assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void lineScopeGivesEachLineItsOwnBudget(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get).setRateLimitScope(RateLimitScope.LINE)
        .setRateLimitMode(RateLimitMode.FIXED_WINDOW).setWindowMillis(1_000).setWindowLimit(1));
    assertThat(from(LINE1).statusCode()).isEqualTo(200);
    assertThat(from(LINE1).statusCode()).isEqualTo(429);
    assertThat(from(LINE2).statusCode()).isEqualTo(200);
    // Without `from`, requests go round-robin over the three lines; LINE1 and LINE2 are spent, the third is not.
    int ok = 0;
    for (int i = 0; i < 3; i++) {
      ok += imessage(PHONE).statusCode() == 200 ? 1 : 0;
    }
    assertThat(ok).isEqualTo(1);
    sim.rateLimitScope(RateLimitScope.ACCOUNT);
    assertThat(from(LINE1).statusCode()).isEqualTo(200);
    assertThat(from(LINE2).statusCode()).isEqualTo(429);
  }

  @Test
  void requestsInsidePauseAreCounted(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get));
    sim.failNext(Fault.rateLimited(1), 1);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(429);
    now.addAndGet(100_000_000L);
    assertThat(imessage(PHONE).statusCode()).as("within the grace period").isEqualTo(200);
    assertThat(sim.stats().requestsInsidePause()).isZero();

    now.addAndGet(50_000_000L);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(sim.stats().requestsInsidePause()).isEqualTo(1);

    now.addAndGet(848_999_999L);
    imessage(PHONE);
    assertThat(sim.stats().requestsInsidePause()).as("1 ms and 1 ns before Retry-After elapses").isEqualTo(2);
    now.addAndGet(1L);
    imessage(PHONE);
    assertThat(sim.stats().requestsInsidePause()).as("within a millisecond of its end: a client's rounding")
        .isEqualTo(2);
    now.addAndGet(1_000_000L);
    imessage(PHONE);
    assertThat(sim.stats().requestsInsidePause()).as("Retry-After elapsed").isEqualTo(2);
  }

  @Test
  void pausesArePerLineWithLineScope(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get).setRateLimitScope(RateLimitScope.LINE));
    sim.failNext(Fault.rateLimited(1), 1);
    assertThat(from(LINE1).statusCode()).isEqualTo(429);
    now.addAndGet(150_000_000L);
    assertThat(from(LINE2).statusCode()).isEqualTo(200);
    assertThat(sim.stats().requestsInsidePause()).as("another line is not paused").isZero();
    assertThat(from(LINE1).statusCode()).isEqualTo(200);
    assertThat(sim.stats().requestsInsidePause()).isEqualTo(1);
    now.addAndGet(850_000_000L);
    assertThat(from(LINE1).statusCode()).isEqualTo(200);
    assertThat(sim.stats().requestsInsidePause()).as("Retry-After elapsed").isEqualTo(1);
  }

  @Test
  void theLimitChangesWhileRunningOverHttpAndKeepsWhatTheBucketHeld(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get)
        .setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(10).setBurst(4));
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> changed = await(client.postAbs(sim.origin() + "/_sim/rate-limit")
        .sendJsonObject(new JsonObject().put("ratePerSecond", 1)));
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getDouble("ratePerSecond")).isEqualTo(1.0);
    assertThat(changed.bodyAsJsonObject().getInteger("burst")).as("what the body did not name stays").isEqualTo(4);
    assertThat(changed.bodyAsJsonObject().getString("rateLimitMode")).isEqualTo("token-bucket");

    // The two tokens left are still there (a fresh bucket would hold four), then one a second.
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(imessage(PHONE).getHeader("Retry-After")).isEqualTo("1");
    now.addAndGet(SECOND);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(429);

    HttpResponse<Buffer> current = await(client.getAbs(sim.origin() + "/_sim/rate-limit").send());
    assertThat(current.bodyAsJsonObject().getDouble("ratePerSecond")).isEqualTo(1.0);
    assertThat(sim.rateLimit().ratePerSecond()).isEqualTo(1.0);
  }

  @Test
  void aBadRateLimitChangeIs400AndChangesNothing(Vertx vertx) {
    start(vertx, new SimulatorOptions().setNanoClock(now::get)
        .setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(10).setBurst(4));
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("ratePerSecond", -1),
        new JsonObject().put("rateLimitMode", "leaky"), new JsonObject().put("burst", "many")}) {
      HttpResponse<Buffer> refused = await(client.postAbs(sim.origin() + "/_sim/rate-limit").sendJsonObject(bad));
      assertError(refused, 400, 1003);
    }
    HttpResponse<Buffer> garbage = await(client.postAbs(sim.origin() + "/_sim/rate-limit")
        .sendBuffer(Buffer.buffer("{not json")));
    assertError(garbage, 400, 1003);
    assertThat(sim.rateLimit().ratePerSecond()).isEqualTo(10.0);
  }

  private HttpResponse<Buffer> from(String line) {
    return await(checkAsync("check_imessage", new JsonObject().put("address", PHONE).put("from", line)));
  }
}
