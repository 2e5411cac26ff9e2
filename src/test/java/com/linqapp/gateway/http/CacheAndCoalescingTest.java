package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static com.linqapp.gateway.support.GatewayHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The answer cache and the coalescing of identical checks, end to end: the real gateway on loopback in front of
 * the real simulator. Every test counts what actually reached the simulator.
 */
@ExtendWith(VertxExtension.class)
class CacheAndCoalescingTest {

  private static final String PHONE = "+12025550143";

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  // ---- coalescing ------------------------------------------------------------------------------------------

  @Test
  @DisplayName("1,000 identical checks fired at once cost exactly one Linq call, and all 1,000 get the same 200")
  void thunderingHerdCostsOneUpstreamCall(Vertx vertx) {
    // Linq answers slowly enough that the herd (1,000 connections to open) arrives while the first check
    // is still in flight: joiners are coalesced, late ones are cache hits; either way one upstream call.
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setLatencyMillis(1_500), new JsonObject());
    WebClient wide = gw.wideClient(1_000);

    List<Future<HttpResponse<Buffer>>> futures = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      futures.add(checkWith(wide, KEY_A, IMESSAGE_ROUTE, PHONE));
    }
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
    assertThat(byCache.get("miss")).as("X-Cache counts %s", byCache).isEqualTo(1);
    assertThat(byCache.keySet()).as("X-Cache counts %s", byCache).isSubsetOf("miss", "coalesced", "hit");
    assertThat(byCache.getOrDefault("coalesced", 0)).as("X-Cache counts %s", byCache).isPositive();
  }

  // ---- hits and freshness ----------------------------------------------------------------------------------

  @Test
  @DisplayName("a repeated check is a cache hit with Age, costs no Linq call, and keeps Linq's optional fields")
  void repeatedCheckIsServedFromCacheWithOptionalFields(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setExtendedFields(true), new JsonObject());

    HttpResponse<Buffer> first = gw.check(IMESSAGE_ROUTE, PHONE);
    HttpResponse<Buffer> second = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(first.getHeader("Age")).isNull();
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.getHeader("X-Cache")).isEqualTo("hit");
    assertThat(second.getHeader("Age")).isEqualTo("0");
    assertThat(second.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(second.bodyAsJsonObject().fieldNames())
        .containsExactlyInAnyOrder("address", "available", "reason", "selected_service");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(1);
  }

  @Test
  @DisplayName("Cache-Control no-cache and max-age=0 go to Linq again; max-age=3600 is served from the cache")
  void cacheControlFromCallerIsHonoured(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject());
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).getHeader("X-Cache")).isEqualTo("miss");

    HttpResponse<Buffer> noCache = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "no-cache");
    assertThat(noCache.statusCode()).isEqualTo(200);
    assertThat(noCache.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);

    HttpResponse<Buffer> maxAgeZero = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-age=0");
    assertThat(maxAgeZero.statusCode()).isEqualTo(200);
    assertThat(maxAgeZero.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(3);

    HttpResponse<Buffer> maxAgeHour = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-age=3600");
    assertThat(maxAgeHour.statusCode()).isEqualTo(200);
    assertThat(maxAgeHour.getHeader("X-Cache")).isEqualTo("hit");
    assertThat(maxAgeHour.getHeader("Age")).isNotNull();
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(3);
  }

  @Test
  @DisplayName("on the event bus max_age 0 forces a Linq call (cached: false) and a later plain request is cached with its age")
  void eventBusMaxAgeZeroForcesFreshCall(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject());
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).statusCode()).isEqualTo(200);
    DeliveryOptions send = new DeliveryOptions().setSendTimeout(20_000);

    JsonObject fresh = await(vertx.eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", PHONE).put("max_age", 0), send)).body();
    assertThat(fresh.getBoolean("cached")).isFalse();
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);

    JsonObject cached = await(vertx.eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", PHONE), send)).body();
    assertThat(cached.getBoolean("cached")).isTrue();
    assertThat(cached.getLong("age")).isNotNull().isGreaterThanOrEqualTo(0);
    assertThat(cached.getBoolean("available")).isEqualTo(fresh.getBoolean("available"));
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);
  }

  // ---- errors are never cached -----------------------------------------------------------------------------

  @Test
  @DisplayName("a Linq 403/2006 for a from that is not the account's line is not cached: the next check asks Linq again")
  void linqRejectionIsNotCached(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject());
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
    gw = GatewayHarness.start(vertx, new JsonObject());
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

  private void startWithOneSecondTtl(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject()
        .put("GATEWAY_CACHE_TTL_AVAILABLE_SECONDS", 1)
        .put("GATEWAY_CACHE_TTL_UNAVAILABLE_SECONDS", 1)
        .put("LINQ_MAX_ATTEMPTS", 3));
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE).getHeader("X-Cache")).isEqualTo("miss");
    sleep(1_200);
  }

  @Test
  @DisplayName("while Linq fails, max-stale=60 serves the expired answer (X-Cache: stale, Age); without max-stale the caller gets the error")
  void maxStaleServesExpiredAnswerWhileLinqFails(Vertx vertx) {
    startWithOneSecondTtl(vertx);
    gw.sim().failNext(Fault.error500(), 20);

    HttpResponse<Buffer> stale = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-stale=60");
    assertThat(stale.statusCode()).as(stale.bodyAsString()).isEqualTo(200);
    assertThat(stale.getHeader("X-Cache")).isEqualTo("stale");
    assertThat(Long.parseLong(stale.getHeader("Age"))).isGreaterThanOrEqualTo(1);
    assertThat(stale.bodyAsJsonObject().getString("address")).isEqualTo(PHONE);

    HttpResponse<Buffer> failed = gw.check(IMESSAGE_ROUTE, PHONE);
    assertThat(failed.statusCode()).isEqualTo(502);
    assertThat(envelopeError(failed).getInteger("code")).isEqualTo(9003);
  }

  @Test
  @DisplayName("while Linq's 429 pause is in force, max-stale serves the expired answer at once without a Linq call; without it the caller gets 429/1007")
  void maxStaleServesExpiredAnswerDuringPause(Vertx vertx) {
    startWithOneSecondTtl(vertx);
    gw.sim().failNext(Fault.rateLimited(5), 1);
    HttpResponse<Buffer> limited = gw.check(IMESSAGE_ROUTE, "+12025550144", "X-Request-Timeout-Ms", "1000");
    assertThat(limited.statusCode()).isEqualTo(429);
    long callsBefore = gw.sim().stats().checkRequests();

    long t0 = System.nanoTime();
    HttpResponse<Buffer> stale = gw.check(IMESSAGE_ROUTE, PHONE, "Cache-Control", "max-stale=60");
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(stale.statusCode()).as(stale.bodyAsString()).isEqualTo(200);
    assertThat(stale.getHeader("X-Cache")).isEqualTo("stale");
    assertThat(stale.getHeader("Age")).isNotNull();
    assertThat(millis).as("answered without waiting out the pause").isLessThan(1_000);

    HttpResponse<Buffer> refused = gw.check(IMESSAGE_ROUTE, PHONE, "X-Request-Timeout-Ms", "1000");
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
    gw = GatewayHarness.start(vertx);
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
