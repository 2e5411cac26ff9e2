package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static com.linqapp.gateway.support.GatewayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dispatcher in real exchanges with the simulator (not the scripted Linq of {@code DispatcherTest}):
 * concurrency bound, 429 pause and requeue order, retries under random faults. Checks go through the
 * {@code capability.check} event bus, as the gateway's own adapters send them.
 */
@ExtendWith(VertxExtension.class)
class DispatchAgainstSimulatorTest {

  private static final int SIM_AVAILABLE_PERCENT = 70;

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }


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
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setLatencyMillis(20),
        new JsonObject().put("LINQ_MAX_CONCURRENCY", 4));
    CapabilityClient client = CapabilityClient.create(vertx, gw.config().defaultTimeoutMillis());
    List<String> addresses = addresses(60, "+1202555");

    List<Future<CheckResult>> futures = addresses.stream()
        .map(address -> client.check(CheckQuery.of(Service.IMESSAGE, address))).toList();
    List<CheckResult> results = await(Future.all(futures)).list();

    assertAnsweredCorrectly(addresses, results);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(60);
    assertThat(gw.sim().stats().maxInFlight()).isLessThanOrEqualTo(4).isGreaterThan(1);
  }

  @Test
  @DisplayName("checks requeued after a 429 keep their order, nothing is sent inside the pause, and every check is answered")
  void requeueAfter429KeepsOrderAndRespectsPause(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 1));
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
    assertThat(elapsedMillis).as("the 1 s pause was waited out").isGreaterThanOrEqualTo(950);
    assertThat(gw.sim().stats().rateLimited429()).isEqualTo(1);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(11);
    assertThat(gw.sim().stats().requestsInsidePause()).isZero();
  }

  @Test
  @DisplayName("with 15% random 500s every one of 200 distinct checks is still answered")
  void randomServerErrorsAreRetriedAway(Vertx vertx) {
    // At the default 3 attempts a check fails all of them with probability 0.15^3, about 0.7 of 200
    // checks: that 502/9003 is the contract's answer, not a bug. 6 attempts make it ~1 in 450 runs of this test.
    gw = GatewayHarness.start(vertx, new JsonObject().put("LINQ_MAX_ATTEMPTS", 6));
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
