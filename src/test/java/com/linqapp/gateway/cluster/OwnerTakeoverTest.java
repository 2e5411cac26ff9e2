package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.engine.pacing.LimitEstimate;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One gateway, the owner, sends for the cluster; when it leaves, the other takes over what it learnt and
 * the work it had not sent. Two gateways in this JVM, each test its own cluster.
 */
class OwnerTakeoverTest {

  /** How narrow a learnt rate is once the learner tracks it (its {@code AdaptivePacer.NARROW}). */
  private static final double NARROW = 0.10;

  private Vertx clientVertx;
  private LinqSimulator sim;
  private WebClient web;
  private final List<ClusterFixture.Node> nodes = new ArrayList<>();
  private ClusterFixture.Node owner;
  private ClusterFixture.Node other;

  @BeforeEach
  void startSimulator() {
    clientVertx = Vertx.vertx();
    sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
    web = ClusterFixture.web(clientVertx);
  }

  @AfterEach
  void stopAll() {
    ClusterFixture.closeAll(web, clientVertx, nodes.toArray(ClusterFixture.Node[]::new));
  }

  private void startPair(JsonObject overrides) {
    ClusterFixture.Pair pair = ClusterFixture.startPair(getClass(), sim, overrides, 0);
    nodes.add(pair.a());
    nodes.add(pair.b());
    until("both gateways see each other", () -> nodes.stream()
        .allMatch(node -> ClusterFixture.status(web, node).getJsonObject("cluster").getInteger("gateways") == 2));
    owner = ClusterFixture.owns(web, pair.a()) ? pair.a() : pair.b();
    other = owner == pair.a() ? pair.b() : pair.a();
    assertThat(ClusterFixture.owns(web, other)).isFalse();
  }

  private List<HttpResponse<Buffer>> checks(ClusterFixture.Node node, int block, int count) {
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      calls.add(ClusterFixture.checkAsync(web, node.httpPort(), ClusterFixture.phone(block, i),
          "X-Request-Timeout-Ms", "40000"));
    }
    return await(Future.join(calls).map(all -> all.<HttpResponse<Buffer>>list()));
  }

  @Test
  @DisplayName("an unknown limit is learnt by the owner alone; when it leaves, the other adopts the learnt pace")
  void learntPaceIsHandedOver() {
    sim.tokenBucket(20, 5).latency(10, 0);
    startPair(new JsonObject());

    List<HttpResponse<Buffer>> first = checks(other, 1, 120);
    assertThat(first).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    assertThat(sim.stats().rateLimited429()).as("the owner learnt from 429s").isPositive();
    assertThat(ClusterFixture.upstreamAnswers(web, other)).as("the other gateway sends nothing").isZero();
    assertThat(ClusterFixture.upstreamAnswers(web, owner)).isEqualTo(120);

    Double learnt = ClusterFixture.status(web, owner).getDouble("rate");
    assertThat(learnt).isNotNull().isPositive();
    LimitEstimate estimate = published();
    // Two 429 episodes pin the limit. On a starved machine the 120 checks can end after one, whose estimate is
    // still wide (down to the floor): then the owner gets more work until what it publishes is narrow.
    for (int block = 10; estimate.uncertainty() > NARROW; block++) {
      assertThat(block).as("the owner's estimate narrows with more work: %s", estimate).isLessThan(20);
      assertThat(checks(other, block, 40)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
      estimate = published();
    }
    LimitEstimate handedOver = estimate;
    assertThat(handedOver.shape()).isEqualTo(LimitEstimate.Shape.BUCKET);
    assertThat(handedOver.minRate()).as("the simulator's 20/s, found").isBetween(15.0, 22.0);
    assertThat(ClusterFixture.upstreamAnswers(web, other)).as("the other gateway sends nothing").isZero();
    assertThat(ClusterFixture.status(web, other).getDouble("rate")).as("not learnt here").isNull();

    ClusterFixture.close(owner);
    nodes.remove(owner);
    until("the other gateway owns, pacing by the estimate handed over", () -> {
      Double rate = ClusterFixture.status(web, other).getDouble("rate");
      return ClusterFixture.owns(web, other) && rate != null
          && rate >= 0.98 * handedOver.minRate() && rate <= handedOver.maxRate();
    });

    List<HttpResponse<Buffer>> after = checks(other, 2, 40);
    assertThat(after).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    assertThat(ClusterFixture.upstreamAnswers(web, other)).isEqualTo(40);
  }

  /** What the owner published for the account, once it has published anything. */
  private LimitEstimate published() {
    until("the owner published its pace", () -> publishedAccount() != null);
    return LimitEstimate.fromJson(publishedAccount());
  }

  private JsonObject publishedAccount() {
    String published = other.cluster().hazelcast().<String, String>getMap(OwnerState.PACING).get(OwnerState.LEARNT);
    return published == null ? null : new JsonObject(published).getJsonObject("account");
  }

  @Test
  @DisplayName("a draining owner hands the checks it has not sent to the next owner: every caller gets 200, none 503")
  void drainingOwnerHandsItsQueueOver() {
    sim.tokenBucket(10, 5).latency(10, 0);
    startPair(new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 10).put("LINQ_RATE_LIMIT_BURST", 5));

    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      calls.add(ClusterFixture.checkAsync(web, other.httpPort(), ClusterFixture.phone(3, i),
          "X-Request-Timeout-Ms", "40000"));
    }
    until("the owner has sent some", () -> sim.stats().checkRequests() >= 10);
    Future<Void> drained = owner.gateway().drain(8_000);

    List<HttpResponse<Buffer>> responses = await(Future.join(calls).map(all -> all.<HttpResponse<Buffer>>list()));
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200));
    await(drained);
    assertThat(ClusterFixture.owns(web, other)).isTrue();
    double byOwner = ClusterFixture.upstreamAnswers(web, owner);
    double byOther = ClusterFixture.upstreamAnswers(web, other);
    assertThat(byOwner).as("the first owner sent some before it drained").isPositive();
    assertThat(byOther).as("the next owner sent the rest").isPositive();
    assertThat(byOwner + byOther).isEqualTo(sim.stats().answered());
    assertThat(sim.stats().answered()).isEqualTo(60);
  }
}
