package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two gateway nodes and a foreign Vert.x application clustered on loopback, one simulator: the event
 * bus across nodes, a foreign application's use of {@code capability.check}, the shared 429 pause and
 * the shared answer cache. The nodes are shared by the tests (Hazelcast joins are slow); each test uses
 * addresses of its own and resets the simulator's counters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSharingTest {

  private ClusterFixture.Cluster cluster;
  private LinqSimulator sim;
  private WebClient web;
  private ClusterFixture.Node a;
  private ClusterFixture.Node b;
  private Vertx foreign;

  @BeforeAll
  void startCluster() {
    cluster = ClusterFixture.Cluster.start(getClass(), new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 40), true);
    sim = cluster.sim();
    web = cluster.web();
    a = cluster.a();
    b = cluster.b();
    foreign = cluster.foreign();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void reset() {
    sim.noFaults().noRateLimit().latency(0, 0);
    sim.resetStats();
  }

  private static DeliveryOptions timeout(long millis) {
    return new DeliveryOptions().setSendTimeout(millis);
  }

  @Test
  @DisplayName("a check sent on node B's event bus is answered; a bad address fails with code 400 and the envelope")
  void crossNodeRequestReply() {
    String phone = ClusterFixture.phone(1, 1);
    Message<JsonObject> reply = await(b.vertx().eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", phone), timeout(40_000)));
    assertThat(reply.body().getString("address")).isEqualTo(phone);
    assertThat(reply.body().getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("iMessage", phone, 70));
    assertThat(reply.body().getBoolean("cached")).isFalse();
    assertThat(sim.stats().requestsFor(phone)).isEqualTo(1);

    // sent from A as well: whichever node serves it, the shared cache answers
    Message<JsonObject> again = await(a.vertx().eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", phone), timeout(40_000)));
    assertThat(again.body().getBoolean("cached")).isTrue();
    assertThat(sim.stats().requestsFor(phone)).isEqualTo(1);

    Throwable failure = awaitFailure(b.vertx().eventBus().request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", "not-an-address"), timeout(10_000)));
    assertThat(failure).isInstanceOf(ReplyException.class);
    ReplyException error = (ReplyException) failure;
    assertThat(error.failureCode()).isEqualTo(400);
    JsonObject envelope = new JsonObject(error.getMessage());
    assertThat(envelope.getBoolean("success")).isFalse();
    assertThat(envelope.getJsonObject("error").getInteger("status")).isEqualTo(400);
    assertThat(envelope.getJsonObject("error").getInteger("code")).isEqualTo(1002);
    assertThat(sim.stats().checkRequests()).isEqualTo(1);
  }

  @Test
  @DisplayName("a foreign Vert.x application joined by name and members uses capability.check with a raw JsonObject")
  void foreignApplication() {
    String phone = ClusterFixture.phone(2, 1);
    Message<JsonObject> reply = await(foreign.eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "rcs").put("address", phone), timeout(40_000)));
    assertThat(reply.body().fieldNames()).containsExactlyInAnyOrder("address", "available", "cached", "age");
    assertThat(reply.body().getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("RCS", phone, 70));

    Throwable failure = awaitFailure(foreign.eventBus().request(CapabilityBus.CHECK,
        new JsonObject().put("service", "rcs").put("address", "someone@example.com"), timeout(10_000)));
    assertThat(((ReplyException) failure).failureCode()).isEqualTo(400);
    assertThat(new JsonObject(failure.getMessage()).getJsonObject("error").getInteger("code")).isEqualTo(1002);

    Throwable missing = awaitFailure(foreign.eventBus().request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage"), timeout(10_000)));
    assertThat(((ReplyException) missing).failureCode()).isEqualTo(400);
    assertThat(new JsonObject(missing.getMessage()).getJsonObject("error").getInteger("code")).isEqualTo(1001);
  }

  @Test
  @DisplayName("an address checked on node A and then on node B costs one upstream call: B answers X-Cache: hit")
  void sharedCache() {
    String phone = ClusterFixture.phone(3, 1);
    HttpResponse<Buffer> first = ClusterFixture.check(web, a.httpPort(), phone);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("X-Cache")).isEqualTo("miss");

    HttpResponse<Buffer> second = ClusterFixture.check(web, b.httpPort(), phone);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.getHeader("X-Cache")).isEqualTo("hit");
    assertThat(second.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(sim.stats().requestsFor(phone)).isEqualTo(1);
  }

  @Test
  @DisplayName("/health shows the cluster: three members, two gateways, one owner both agree on; each paces at the whole limit")
  void healthShowsCluster() {
    List<JsonObject> clusters = new ArrayList<>();
    for (ClusterFixture.Node node : List.of(a, b)) {
      HttpResponse<Buffer> ready = ClusterFixture.get(web, node.httpPort(), "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      JsonObject cluster = ClusterFixture.engineData(ready).getJsonObject("cluster");
      assertThat(cluster.getBoolean("active")).isTrue();
      assertThat(cluster.getInteger("members")).isEqualTo(3);
      assertThat(cluster.getInteger("gateways")).as("the foreign application is no gateway").isEqualTo(2);
      clusters.add(cluster);
      HttpResponse<Buffer> health = ClusterFixture.get(web, node.httpPort(), "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      // the whole 40/s, not a share: only the owner sends, and it may use all of it
      assertThat(ClusterFixture.engineData(health).getDouble("rate")).isCloseTo(39.6, within(1e-9));
    }
    assertThat(clusters.get(0).getString("owner")).isNotNull().isEqualTo(clusters.get(1).getString("owner"));
    assertThat(clusters.stream().filter(c -> c.getBoolean("owns")).count()).isEqualTo(1);
  }

  @Test
  @Order(Integer.MAX_VALUE) // last: it leaves the nodes paused for a minute
  @DisplayName("a 429 on node A pauses node B too: once B has heard of it, neither node sends anything inside the pause, and both refuse at once the checks it outlasts")
  void sharedPause() {
    sim.failNext(Fault.rateLimited(60), 1);
    HttpResponse<Buffer> limited = ClusterFixture.check(web, a.httpPort(), ClusterFixture.phone(4, 0),
        "X-Request-Timeout-Ms", "20000");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.bodyAsJsonObject().getJsonObject("error").getInteger("retry_after")).isEqualTo(60);

    // B hears of the pause over the event bus a moment later; until then its checks still go to Linq.
    int[] tried = {0};
    until("B refuses a check at admission: it has heard of the pause", () -> ClusterFixture.check(web, b.httpPort(),
        ClusterFixture.phone(5, tried[0]++), "X-Request-Timeout-Ms", "20000").statusCode() == 429);
    long calls = sim.stats().checkRequests();

    for (int i = 0; i < 10; i++) {
      for (ClusterFixture.Node node : List.of(a, b)) {
        HttpResponse<Buffer> refused = ClusterFixture.check(web, node.httpPort(), ClusterFixture.phone(6, 2 * i + (node == a ? 0 : 1)),
            "X-Request-Timeout-Ms", "20000");
        assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(429);
        JsonObject error = refused.bodyAsJsonObject().getJsonObject("error");
        assertThat(error.getInteger("code")).isEqualTo(1007);
        assertThat(error.getInteger("retry_after")).as("what is left of the pause").isBetween(1, 60);
      }
    }
    assertThat(sim.stats().checkRequests()).as("nothing sent by either node once both knew").isEqualTo(calls);
    assertThat(sim.stats().rateLimited429()).isEqualTo(1);
  }
}
