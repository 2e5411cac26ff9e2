package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The answer cache and the coalescing of identical checks, end to end: the real gateway on loopback in front of
 * the real simulator. Every test counts what actually reached the simulator; ages follow the gateway's wall
 * clock, which the tests move.
 */
class CacheAndCoalescingTest extends GatewayTestBase {

  private static final String PHONE = "+12025550143";

  // ---- coalescing ------------------------------------------------------------------------------------------

  @Test
  @DisplayName("1,000 identical checks fired at once cost exactly one Linq call: one miss, 999 coalesced, all the same 200")
  void thunderingHerdCostsOneUpstreamCall(Vertx vertx) {
    start(vertx);
    gw.sim().hold(); // Linq answers only once the whole herd waits for it
    WebClient wide = gw.wideClient(1_000);

    List<Future<HttpResponse<Buffer>>> futures = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      futures.add(checkWith(wide, KEY_A, IMESSAGE_ROUTE, PHONE));
    }
    until("1,000 callers waiting in the engine", () -> gw.engineStatus().getInteger("waiting") == 1_000);
    until("the one call at Linq", () -> gw.sim().held().size() == 1);
    assertThat(gw.sim().held()).containsExactly(PHONE);
    await(gw.sim().releaseAll());
    List<HttpResponse<Buffer>> responses = await(Future.all(futures)).list();

    Map<String, Integer> byCache = new TreeMap<>();
    JsonObject expected = new JsonObject().put("address", PHONE)
        .put("available", LinqSimulator.expectedAvailable("iMessage", PHONE, 70));
    for (HttpResponse<Buffer> response : responses) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject()).isEqualTo(expected);
      String cache = response.getHeader("X-Cache");
      byCache.merge(cache, 1, Integer::sum);
      if ("hit".equals(cache)) {
        assertThat(response.getHeader("Age")).isNotNull();
      }
    }
    assertThat(gw.sim().stats().checkRequests()).as("upstream calls").isEqualTo(1);
    assertThat(byCache).as("X-Cache counts").isEqualTo(Map.of("miss", 1, "coalesced", 999));
  }

  // ---- hits and freshness ----------------------------------------------------------------------------------

  @Test
  @DisplayName("a repeated check is a cache hit with Age, costs no Linq call, and keeps Linq's optional fields")
  void repeatedCheckIsServedFromCacheWithOptionalFields(Vertx vertx) {
    start(vertx, new SimulatorOptions().setExtendedFields(true), new JsonObject());

    HttpResponse<Buffer> first = gw.check(IMESSAGE_ROUTE, PHONE);
    wallClock.addAndGet(42_500);
    HttpResponse<Buffer> second = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(first.getHeader("Age")).isNull();
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.getHeader("X-Cache")).isEqualTo("hit");
    assertThat(second.getHeader("Age")).as("whole seconds since Linq answered").isEqualTo("42");
    assertThat(second.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(second.bodyAsJsonObject().fieldNames())
        .containsExactlyInAnyOrder("address", "available", "reason", "selected_service");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(1);
  }

  @Test
  @DisplayName("Cache-Control max-age=N takes a cached answer up to N s old; no-cache and max-age=0 go to Linq again")
  void cacheControlFromCallerIsHonoured(Vertx vertx) {
    start(vertx);
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).getHeader("X-Cache")).isEqualTo("miss");
    wallClock.addAndGet(7_000);

    HttpResponse<Buffer> maxAgeHour = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-age=3600");
    assertThat(maxAgeHour.statusCode()).isEqualTo(200);
    assertThat(maxAgeHour.getHeader("X-Cache")).isEqualTo("hit");
    assertThat(maxAgeHour.getHeader("Age")).isEqualTo("7");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(1);

    HttpResponse<Buffer> tooOld = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-age=5");
    assertThat(tooOld.getHeader("X-Cache")).as("7 s old is older than max-age=5").isEqualTo("miss");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);

    HttpResponse<Buffer> noCache = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "no-cache");
    assertThat(noCache.statusCode()).isEqualTo(200);
    assertThat(noCache.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(3);

    HttpResponse<Buffer> maxAgeZero = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-age=0");
    assertThat(maxAgeZero.statusCode()).isEqualTo(200);
    assertThat(maxAgeZero.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(4);

    HttpResponse<Buffer> plain = gw.check(IMESSAGE_ROUTE, PHONE);
    assertThat(plain.getHeader("X-Cache")).isEqualTo("hit");
    assertThat(plain.getHeader("Age")).as("fetched again just now").isEqualTo("0");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(4);
  }

  @Test
  @DisplayName("on the event bus max_age 0 forces a Linq call (cached: false) and a later plain request is cached with its age")
  void eventBusMaxAgeZeroForcesFreshCall(Vertx vertx) {
    start(vertx);
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).statusCode()).isEqualTo(200);
    DeliveryOptions send = new DeliveryOptions().setSendTimeout(20_000);

    JsonObject fresh = await(vertx.eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", PHONE).put("max_age", 0), send)).body();
    assertThat(fresh.getBoolean("cached")).isFalse();
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);

    wallClock.addAndGet(3_000);
    JsonObject cached = await(vertx.eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", PHONE), send)).body();
    assertThat(cached.getBoolean("cached")).isTrue();
    assertThat(cached.getLong("age")).isEqualTo(3);
    assertThat(cached.getBoolean("available")).isEqualTo(fresh.getBoolean("available"));
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);
  }

  // ---- errors are never cached -----------------------------------------------------------------------------

  @Test
  @DisplayName("a Linq 403/2006 for a from that is not the account's line is not cached: the next check asks Linq again")
  void linqRejectionIsNotCached(Vertx vertx) {
    start(vertx);
    String body = new JsonObject().put("address", PHONE).put("from", "+12025550199").encode();

    for (int attempt = 1; attempt <= 2; attempt++) {
      HttpResponse<Buffer> response = gw.post(IMESSAGE_ROUTE, body);
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(envelopeError(response).getInteger("code")).isEqualTo(2006);
      assertThat(gw.sim().stats().checkRequests()).as("Linq calls after attempt %d", attempt).isEqualTo(attempt);
    }
  }

  @Test
  @DisplayName("an RCS sender-line fault is 'unknown' (503/4009), never cached as 'no': the next check asks Linq and is answered")
  void rcsSenderLineFaultIsNotCached(Vertx vertx) {
    start(vertx);
    gw.sim().failNext(Fault.rcsLineFault(Fault.RCS_LINE_NOT_PROVISIONED), 1);

    HttpResponse<Buffer> unknown = gw.check(RCS_ROUTE, PHONE);
    assertThat(unknown.statusCode()).isEqualTo(503);
    assertThat(envelopeError(unknown).getInteger("code")).isEqualTo(4009);
    assertThat(unknown.getHeader("Retry-After")).isNotNull();

    HttpResponse<Buffer> next = gw.check(RCS_ROUTE, PHONE);
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(next.bodyAsJsonObject().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("RCS", PHONE, 70));
    assertThat(gw.sim().stats().requestsFor("RCS", PHONE)).isEqualTo(2);
  }

  // ---- max-stale -------------------------------------------------------------------------------------------

  /** An answer cached with a TTL of 1 s, then 1.2 s on the gateway's clock: expired. */
  private void startWithExpiredAnswer(Vertx vertx) {
    start(vertx, new JsonObject()
        .put("GATEWAY_CACHE_TTL_AVAILABLE_SECONDS", 1)
        .put("GATEWAY_CACHE_TTL_UNAVAILABLE_SECONDS", 1)
        .put("LINQ_MAX_ATTEMPTS", 3));
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).getHeader("X-Cache")).isEqualTo("miss");
    wallClock.addAndGet(1_200);
  }

  @Test
  @DisplayName("while Linq fails, max-stale=60 serves the expired answer (X-Cache: stale, Age); without max-stale the caller gets the error")
  void maxStaleServesExpiredAnswerWhileLinqFails(Vertx vertx) {
    startWithExpiredAnswer(vertx);
    gw.sim().failNext(Fault.error500(), 20);

    HttpResponse<Buffer> stale = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-stale=60");
    assertThat(stale.statusCode()).as(stale.bodyAsString()).isEqualTo(200);
    assertThat(stale.getHeader("X-Cache")).isEqualTo("stale");
    assertThat(stale.getHeader("Age")).isEqualTo("1");
    assertThat(stale.bodyAsJsonObject().getString("address")).isEqualTo(PHONE);

    HttpResponse<Buffer> failed = gw.check(IMESSAGE_ROUTE, PHONE);
    assertThat(failed.statusCode()).isEqualTo(502);
    assertThat(envelopeError(failed).getInteger("code")).isEqualTo(9003);
    assertThat(gw.sim().stats().requestsFor(PHONE)).as("the first miss, then 3 attempts each").isEqualTo(7);
  }

  @Test
  @DisplayName("while Linq's 429 pause is in force, max-stale serves the expired answer without a Linq call; without it the caller gets 429/1007")
  void maxStaleServesExpiredAnswerDuringPause(Vertx vertx) {
    startWithExpiredAnswer(vertx);
    // A pause longer than any deadline here: a check that waited it out could not be a 200.
    gw.sim().failNext(Fault.rateLimited(60), 1);
    HttpResponse<Buffer> limited = gw.check(IMESSAGE_ROUTE, "+12025550144", "X-Request-Timeout-Ms", "20000");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(envelopeError(limited).getInteger("retry_after")).as("the whole pause, told at once").isEqualTo(60);
    long callsBefore = gw.sim().stats().checkRequests();

    HttpResponse<Buffer> stale = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-stale=60");
    assertThat(stale.statusCode()).as(stale.bodyAsString()).isEqualTo(200);
    assertThat(stale.getHeader("X-Cache")).isEqualTo("stale");
    assertThat(stale.getHeader("Age")).isEqualTo("1");

    HttpResponse<Buffer> refused = gw.check(IMESSAGE_ROUTE, PHONE, "X-Request-Timeout-Ms", "20000");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(envelopeError(refused).getInteger("code")).isEqualTo(1007);
    assertThat(refused.getHeader("Retry-After")).isNotNull();
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(callsBefore);
  }

  // ---- drain ------------------------------------------------------------------------------------------------

  /**
   * Issue 10: during a drain the HTTP adapter still answered cached checks 200 from its event loop,
   * although every new request was promised 503/9002. {@code Gateway#drain} now turns the HTTP
   * adapter's switch before the engine drains.
   */
  @Test
  @DisplayName("once draining, a cached address, a new address and a new batch are refused 503/9002 with Retry-After, and Linq hears nothing")
  void everyNewRequestIsRefusedWhileDraining(Vertx vertx) {
    start(vertx);
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).statusCode()).isEqualTo(200);
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).getHeader("X-Cache")).as("the cache could answer it").isEqualTo("hit");
    long linqCalls = gw.sim().stats().checkRequests();

    Future<Void> drained = gw.gateway().drain(5_000);

    assertShuttingDown(gw.check(IMESSAGE_ROUTE, PHONE));
    assertShuttingDown(gw.check(IMESSAGE_ROUTE, "+12025550199"));
    assertShuttingDown(gw.post(BatchHandler.ROUTE, "{\"address\":\"" + PHONE + "\"}\n",
        "Content-Type", BatchHandler.NDJSON));
    assertThat(gw.sim().stats().checkRequests()).as("no call to Linq").isEqualTo(linqCalls);
    await(drained);
    assertThat(gw.get("/health/live").statusCode()).as("health is still served").isEqualTo(200);
    assertThat(gw.get("/health/ready").statusCode()).isEqualTo(503);
  }

  private static void assertShuttingDown(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9002);
    assertThat(response.getHeader("Retry-After")).isEqualTo("1");
  }
}
