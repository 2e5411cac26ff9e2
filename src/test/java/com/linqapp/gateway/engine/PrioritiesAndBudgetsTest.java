package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.KEY_B;
import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sharing Linq's limit between clients, over HTTP with each client's own key: a bulk flood does not hold up
 * another client's interactive checks, and a client's daily budget stops its upstream checks but not its cache hits.
 */
@ExtendWith(VertxExtension.class)
class PrioritiesAndBudgetsTest {

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  private static String address(String prefix, int i) {
    return prefix + String.format("%04d", i);
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  @Test
  @DisplayName("team-b's interactive checks sent during team-a's bulk flood of 200 (at 40/s) are each answered within 1 s, long before the flood ends")
  void bulkFloodDoesNotDelayAnotherClientsInteractiveChecks(Vertx vertx) throws Exception {
    SimulatorOptions sim = new SimulatorOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET)
        .setRatePerSecond(40).setBurst(5);
    gw = GatewayHarness.start(vertx, sim, new JsonObject()
        .put("LINQ_RATE_LIMIT_PER_SECOND", 40).put("LINQ_RATE_LIMIT_BURST", 5));
    // warm up (first connections of a cold JVM), then let the simulator's bucket refill
    CapabilityClient bus = CapabilityClient.create(vertx, 30_000);
    await(Future.all(List.of(bus.check(CheckQuery.of(Service.IMESSAGE, "+12025550100")),
        bus.check(CheckQuery.of(Service.IMESSAGE, "+12025550101")))));
    Thread.sleep(300);
    WebClient teamA = gw.wideClient(200);
    WebClient teamB = gw.wideClient(5);

    long t0 = System.nanoTime();
    List<Future<HttpResponse<Buffer>>> bulk = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      bulk.add(checkWith(teamA, KEY_A, IMESSAGE_ROUTE, address("+1202561", i), "X-Priority", "bulk"));
    }
    Future<Long> bulkDone = Future.all(bulk).map(done -> millisSince(t0));

    List<Long> interactiveMillis = new ArrayList<>();
    List<Long> interactiveDoneAt = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread.sleep(500);
      long sent = System.nanoTime();
      HttpResponse<Buffer> response = await(checkWith(teamB, KEY_B, IMESSAGE_ROUTE, address("+1202562", i)));
      interactiveMillis.add(millisSince(sent));
      interactiveDoneAt.add(millisSince(t0));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.getHeader("X-Cache")).isEqualTo("miss");
    }
    long bulkMillis = bulkDone.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    System.out.printf("bulk 200 at 40/s done in %d ms; interactive latencies %s ms, done at %s ms; 429s %d%n",
        bulkMillis, interactiveMillis, interactiveDoneAt, gw.sim().stats().rateLimited429());
    for (Future<HttpResponse<Buffer>> response : bulk) {
      assertThat(response.result().statusCode()).as(response.result().bodyAsString()).isEqualTo(200);
    }
    assertThat(interactiveMillis).allSatisfy(ms -> assertThat(ms).isLessThan(1_000));
    assertThat(bulkMillis).as("the bulk job ran at Linq's limit").isGreaterThanOrEqualTo(4_000);
    assertThat(interactiveDoneAt.get(interactiveDoneAt.size() - 1)).isLessThan(bulkMillis - 1_000);
  }

  @Test
  @DisplayName("team-a's daily budget of 3 refuses its 4th distinct check with 429/9007 and retry_after, while its cache hits and team-b still answer")
  void dailyBudgetStopsUpstreamChecksButNotCacheHits(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject().put("GATEWAY_CLIENT_DAILY_BUDGETS", "team-a=3"));
    WebClient client = gw.wideClient(2);

    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> allowed = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, address("+1202563", i)));
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.getHeader("X-Cache")).isEqualTo("miss");
    }

    String fourth = address("+1202563", 3);
    HttpResponse<Buffer> refused = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, fourth));
    assertThat(refused.statusCode()).isEqualTo(429);
    JsonObject error = envelopeError(refused);
    assertThat(error.getInteger("code")).isEqualTo(9007);
    assertThat(error.getInteger("retry_after")).isNotNull().isPositive();
    assertThat(refused.getHeader("Retry-After")).isNotNull();
    assertThat(gw.sim().stats().requestsFor(fourth)).as("Linq calls for the refused check").isZero();

    HttpResponse<Buffer> hit = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, address("+1202563", 0)));
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.getHeader("X-Cache")).isEqualTo("hit");

    HttpResponse<Buffer> otherClient = await(checkWith(client, KEY_B, IMESSAGE_ROUTE, fourth));
    assertThat(otherClient.statusCode()).isEqualTo(200);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(4);
  }
}
