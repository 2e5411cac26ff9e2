package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.app.Clocks;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 6: a pause announcement carries the milliseconds left, so a gateway whose clocks run an
 * hour ahead of the announcer's (both its engine clock and its wall clock, injected) still holds the whole
 * pause. Announced with its end as a time of day, the pause would already be over on that gateway.
 */
class PauseAcrossClocksTest {

  private static final long AN_HOUR = 3_600_000;
  private static final int PAUSE_SECONDS = 12;

  private Vertx clientVertx;
  private ClusterFixture.Node a;
  private ClusterFixture.Node b;
  private WebClient web;

  @AfterEach
  void stop() {
    ClusterFixture.closeAll(web, clientVertx, b, a);
  }

  @Test
  @DisplayName("the owner's 429 pause holds on a gateway an hour ahead: after taking over it sends nothing inside it, then serves every check")
  void pauseHoldsOnAGatewayWhoseClockIsAhead() {
    clientVertx = Vertx.vertx();
    LinqSimulator sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
    sim.latency(20, 0);
    web = ClusterFixture.web(clientVertx);
    String name = ClusterFixture.uniqueName(getClass());
    List<Integer> ports = ClusterFixture.ports(2);
    JsonObject slow = new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 5).put("LINQ_RATE_LIMIT_BURST", 2);
    a = await(ClusterFixture.start(ClusterFixture.config(name, ports.get(0), ports, sim, slow)));
    Clocks ahead = new Clocks(() -> System.nanoTime() / 1_000_000 + AN_HOUR, () -> System.currentTimeMillis() + AN_HOUR);
    b = await(ClusterFixture.start(ClusterFixture.config(name, ports.get(1), ports, sim, slow), ahead));
    until("B sees A as the owner", () ->
        ClusterFixture.status(web, b).getJsonObject("cluster").getInteger("gateways") == 2);
    assertThat(ClusterFixture.owns(web, a)).as("the older gateway owns").isTrue();

    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      calls.add(ClusterFixture.checkAsync(web, b.httpPort(), ClusterFixture.phone(30, i),
          "X-Request-Timeout-Ms", "60000"));
    }
    until("the owner sends B's checks", () -> sim.stats().checkRequests() >= 3);
    sim.failNext(Fault.rateLimited(PAUSE_SECONDS), 1);
    until("B holds the owner's pause, on its own clock", () ->
        ClusterFixture.status(web, b).getLong("pausedMillis") > (PAUSE_SECONDS - 5) * 1_000L);
    long sentBeforeTakeover = sim.stats().checkRequests();

    // A dies without leaving: B takes over while the pause lasts
    a.cluster().hazelcast().getLifecycleService().terminate();
    ClusterFixture.close(a);
    a = null;

    List<HttpResponse<Buffer>> responses = await(Future.join(calls).map(all -> all.<HttpResponse<Buffer>>list()));
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200));
    assertThat(ClusterFixture.owns(web, b)).isTrue();
    assertThat(sim.stats().checkRequests()).as("B sent the rest").isGreaterThan(sentBeforeTakeover);
    assertThat(ClusterFixture.upstreamAnswers(web, b)).isPositive();
    assertThat(sim.stats().rateLimited429()).isEqualTo(1);
    assertThat(sim.stats().requestsInsidePause()).as("nothing sent inside Linq's pause").isZero();
  }
}
