package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.LinqSimulator;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A node dies under load: every caller of the surviving node's HTTP gets its answer, and a foreign
 * application's {@link CapabilityClient} gets every answer from the survivor within its deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterNodeLossTest {

  /** Room for the typed client's re-send: a quarter of it (5 s) is kept for asking a live node again. */
  private static final long CLIENT_TIMEOUT_MILLIS = 20_000;

  private ClusterFixture.Cluster cluster;

  @BeforeAll
  void startCluster() {
    cluster = ClusterFixture.Cluster.start(getClass(), new JsonObject(), true);
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("node B dies mid-load: each of A's 40 HTTP callers gets its 200, each of the foreign client's 40 checks its answer")
  void nodeLossDuringLoad() {
    LinqSimulator sim = cluster.sim();
    sim.latency(300, 100);
    CapabilityClient client = CapabilityClient.create(cluster.foreign(), 30_000);
    List<String> httpAddresses = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> http = new ArrayList<>();
    List<String> busAddresses = new ArrayList<>();
    List<Future<CheckResult>> bus = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      httpAddresses.add(ClusterFixture.phone(7, i));
      http.add(ClusterFixture.checkAsync(cluster.web(), cluster.a().httpPort(), httpAddresses.get(i)));
      busAddresses.add(ClusterFixture.phone(8, i));
      bus.add(client.check(CheckQuery.of(Service.IMESSAGE, busAddresses.get(i)).withTimeout(CLIENT_TIMEOUT_MILLIS)));
    }
    until("checks in flight upstream", () -> sim.stats().inFlight() >= 4);

    // B crashes: its Hazelcast member is gone at once (no graceful leave), then its Vert.x closes
    cluster.b().cluster().hazelcast().getLifecycleService().terminate();
    cluster.b().vertx().close();

    // A's own HTTP adapters deliver to A's engine: B's death may slow them (the shared cache) but not fail them.
    List<HttpResponse<Buffer>> responses = await(Future.join(http).map(all -> all.<HttpResponse<Buffer>>list()));
    for (int i = 0; i < responses.size(); i++) {
      HttpResponse<Buffer> response = responses.get(i);
      assertThat(response.statusCode()).as("%s: %s", httpAddresses.get(i), response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getBoolean("available"))
          .isEqualTo(LinqSimulator.expectedAvailable("iMessage", httpAddresses.get(i), 70));
    }
    // The typed client fails a check at its deadline, so an answer is an answer in time; checks B had taken
    // are asked again of a live node.
    await(Future.join(bus).otherwiseEmpty());
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < bus.size(); i++) {
      if (bus.get(i).failed()) {
        failures.add(busAddresses.get(i) + ": " + bus.get(i).cause());
      } else {
        assertThat(bus.get(i).result().answer().available())
            .isEqualTo(LinqSimulator.expectedAvailable("iMessage", busAddresses.get(i), 70));
      }
    }
    assertThat(failures).as("foreign client's failed checks").isEmpty();
  }
}
