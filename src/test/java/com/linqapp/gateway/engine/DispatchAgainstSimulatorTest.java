package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher in real exchanges with the simulator (not the scripted Linq of {@code DispatcherTest}):
 * concurrency bound, 429 pause and requeue order, retries under random faults. Checks go through the
 * {@code capability.check} event bus, as the gateway's own adapters send them.
 */
class DispatchAgainstSimulatorTest extends GatewayTestBase {

  private static final int SIM_AVAILABLE_PERCENT = 70;

  private void assertAnsweredCorrectly(List<String> addresses, List<CheckResult> results) {
    assertThat(results).hasSameSizeAs(addresses);
    for (int i = 0; i < addresses.size(); i++) {
      assertThat(results.get(i).answer().address()).isEqualTo(addresses.get(i));
      assertThat(results.get(i).answer().available()).as(addresses.get(i))
          .isEqualTo(LinqSimulator.expectedAvailable("iMessage", addresses.get(i), SIM_AVAILABLE_PERCENT));
    }
  }

  @Test
  @DisplayName("60 concurrent checks never put more than LINQ_MAX_CONCURRENCY requests in flight at Linq, and all are answered")
  void inFlightNeverExceedsMaxConcurrency(Vertx vertx) {
    // A known limit far above what is sent, so pacing plays no part (an unknown limit opens with one request
    // per round trip, and Linq answers nothing here until the test says so).
    start(vertx, new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 1000).put("LINQ_RATE_LIMIT_BURST", 100).put("LINQ_MAX_CONCURRENCY", 4));
    gw.sim().hold(); // Linq answers nothing until the gateway has filled its concurrency
    CapabilityClient client = CapabilityClient.create(vertx, gw.config().defaultTimeoutMillis());
    List<String> addresses = addresses(60, "+1202555");

    List<Future<CheckResult>> futures = addresses.stream()
        .map(address -> client.check(CheckQuery.of(Service.IMESSAGE, address))).toList();
    until("60 checks admitted", () -> gw.engineStatus().getInteger("waiting") == 60);
    until("4 checks at Linq", () -> gw.sim().held().size() == 4);
    JsonObject engine = gw.engineStatus();
    assertThat(engine.getInteger("queued")).as("engine %s, Linq %s", engine, gw.sim().stats()).isEqualTo(56);
    assertThat(gw.sim().stats().checkRequests()).as("nothing more sent").isEqualTo(4);

    await(gw.sim().releaseAll());
    List<CheckResult> results = await(Future.all(futures)).list();

    assertAnsweredCorrectly(addresses, results);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(60);
    assertThat(gw.sim().stats().maxInFlight()).isEqualTo(4);
  }

  @Test
  @DisplayName("checks requeued after a 429 keep their order, nothing is sent inside the pause, and every check is answered")
  void requeueAfter429KeepsOrderAndRespectsPause(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 1));
    CapabilityClient client = CapabilityClient.create(vertx, gw.config().defaultTimeoutMillis());
    List<String> addresses = addresses(10, "+1202556");
    gw.sim().failNext(Fault.rateLimited(1), 1);

    List<String> completionOrder = Collections.synchronizedList(new ArrayList<>());
    Promise<List<CheckResult>> all = Promise.promise();
    long t0 = System.nanoTime();
    // submitted from one context, so they reach the engine in this order
    vertx.runOnContext(v -> {
      List<Future<CheckResult>> futures = new ArrayList<>();
      for (String address : addresses) {
        futures.add(client.check(CheckQuery.of(Service.IMESSAGE, address))
            .onSuccess(result -> completionOrder.add(result.answer().address())));
      }
      Future.all(futures).map(done -> done.<CheckResult>list()).onComplete(all);
    });
    List<CheckResult> results = await(all.future());
    long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;

    assertAnsweredCorrectly(addresses, results);
    assertThat(completionOrder).containsExactlyElementsOf(addresses);
    assertThat(elapsedMillis).as("the 1 s pause was waited out").isGreaterThanOrEqualTo(1_000);
    assertThat(gw.sim().stats().rateLimited429()).isEqualTo(1);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(11);
    assertThat(gw.sim().stats().requestsInsidePause()).isZero();
  }

  @Test
  @DisplayName("with 15% random 500s every one of 200 distinct checks is still answered")
  void randomServerErrorsAreRetriedAway(Vertx vertx) {
    // A check that fails all its attempts is answered 502/9003: the contract's answer, not a bug. At the
    // default 6 attempts that is 0.15^6 per check, one run of this test in ~440; the 10 allowed make it
    // one in ~900 000 (their backoffs, at most 11 s together, stay within the 30 s deadline).
    start(vertx, new SimulatorOptions().setSeed(15), new JsonObject().put("LINQ_MAX_ATTEMPTS", 10));
    gw.sim().errorRate(0.15);
    CapabilityClient client = CapabilityClient.create(vertx, gw.config().defaultTimeoutMillis());
    List<String> addresses = addresses(200, "+1202557");

    List<Future<CheckResult>> futures = addresses.stream()
        .map(address -> client.check(CheckQuery.of(Service.IMESSAGE, address))).toList();
    List<CheckResult> results = await(Future.all(futures)).list();

    assertAnsweredCorrectly(addresses, results);
    assertThat(gw.sim().stats().serverError5xx()).isPositive();
    assertThat(gw.sim().stats().answered()).isEqualTo(200);
  }
}
