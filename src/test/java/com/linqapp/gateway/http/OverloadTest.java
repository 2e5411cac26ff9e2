package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Ten times more concurrent callers than the gateway holds (4 in flight + 20 queued = 24; 240 callers)
 * while Linq holds every check it gets: the excess is shed with 503/9001 and {@code Retry-After} while
 * nothing can drain (so no shed answer waited for the queue), the queue is at its bound and no further,
 * and once Linq answers, every accepted check completes with its 200.
 */
class OverloadTest extends GatewayTestBase {

  private static final int CONCURRENCY = 4;
  private static final int QUEUE = 20;
  private static final int CALLERS = 240;

  record Outcome(String address, int status, Integer code, String retryAfter, String body) {
  }

  @Test
  @DisplayName("240 callers on 4 in flight + 20 queued: the excess is shed at once with 503/9001 + Retry-After, the rest all get 200, queued never > 20")
  void excessIsShedAtOnceAndAcceptedComplete(Vertx vertx) {
    // A known limit far above what is sent, so pacing plays no part (an unknown limit opens with one request
    // per round trip, and Linq answers nothing here until the test says so).
    start(vertx, new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 1000).put("LINQ_RATE_LIMIT_BURST", 100)
        .put("LINQ_MAX_CONCURRENCY", CONCURRENCY).put("GATEWAY_MAX_QUEUE", QUEUE));
    WebClient callers = gw.wideClient(CALLERS);
    gw.sim().hold();

    List<Future<Outcome>> calls = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      String address = "+1202556" + String.format("%04d", i);
      calls.add(checkWith(callers, KEY_A, IMESSAGE_ROUTE, address).map(response -> outcome(address, response)));
    }
    // While Linq holds the checks in flight, only a refusal at admission can be answered.
    int excess = CALLERS - CONCURRENCY - QUEUE;
    until("the excess answered", () -> calls.stream().filter(Future::isComplete).count() == excess);
    JsonObject engine = gw.engineStatus();
    List<Outcome> shed = calls.stream().filter(Future::isComplete).map(Future::result).toList();
    assertThat(shed).as("answered before Linq answered anything").hasSize(excess).allSatisfy(o -> {
      assertThat(o.status()).as("%s", o).isEqualTo(503);
      assertThat(o.code()).as("%s", o).isEqualTo(9001);
      assertThat(o.retryAfter()).as("%s: Retry-After", o).isNotNull().matches("[1-9][0-9]*");
    });
    assertThat(engine.getInteger("inFlight")).isEqualTo(CONCURRENCY);
    assertThat(engine.getInteger("queued")).as("the queue at its bound").isEqualTo(QUEUE);
    assertThat(engine.getInteger("waiting")).isEqualTo(CONCURRENCY + QUEUE);
    until("the checks in flight at Linq", () -> gw.sim().held().size() == CONCURRENCY);

    await(gw.sim().releaseAll());
    List<Outcome> outcomes = await(Future.all(calls)).list();
    List<Outcome> accepted = outcomes.stream().filter(o -> o.status() == 200).toList();
    assertThat(accepted).as("every accepted check answered").hasSize(CONCURRENCY + QUEUE).allSatisfy(o -> {
      JsonObject body = new JsonObject(o.body());
      assertThat(body.getString("address")).isEqualTo(o.address());
      assertThat(body.getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("iMessage", o.address(), 70));
    });
    assertThat(gw.sim().stats().checkRequests()).as("only accepted checks reach Linq").isEqualTo(CONCURRENCY + QUEUE);
    assertThat(gw.sim().stats().maxInFlight()).as("Linq never saw more than the concurrency").isEqualTo(CONCURRENCY);
    JsonObject drained = gw.engineStatus();
    assertThat(drained.getInteger("inFlight")).isZero();
    assertThat(drained.getInteger("queued")).isZero();
    assertThat(drained.getInteger("waiting")).isZero();
  }

  private static Outcome outcome(String address, HttpResponse<Buffer> response) {
    Integer code = response.statusCode() == 200 ? null : envelopeError(response).getInteger("code");
    return new Outcome(address, response.statusCode(), code, response.getHeader("Retry-After"), response.bodyAsString());
  }
}
