package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The account's limit split over the members, and given back to the survivor when one leaves. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterRebalanceTest {

  private ClusterFixture.Cluster cluster;
  private WebClient web;
  private ClusterFixture.Node a;
  private ClusterFixture.Node b;

  @BeforeAll
  void startCluster() {
    cluster = ClusterFixture.Cluster.start(getClass(), new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 20), false);
    web = cluster.web();
    a = cluster.a();
    b = cluster.b();
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private double rate(ClusterFixture.Node node) {
    return ClusterFixture.engineData(ClusterFixture.get(web, node.httpPort(), "/health")).getDouble("rate");
  }

  private int members(ClusterFixture.Node node) {
    JsonObject cluster = ClusterFixture.engineData(ClusterFixture.get(web, node.httpPort(), "/health"))
        .getJsonObject("cluster");
    return cluster.getInteger("members");
  }

  @Test
  @DisplayName("LINQ_RATE_LIMIT_PER_SECOND=20 on two nodes: each paces at 10; when one leaves the survivor paces at 20")
  void splitAndRebalance() {
    until("both nodes report 2 members and rate 10", () ->
        members(a) == 2 && members(b) == 2 && rate(a) == 10.0 && rate(b) == 10.0);

    ClusterFixture.close(b);

    until("the survivor reports rate 20", () -> rate(a) == 20.0);
    assertThat(members(a)).isEqualTo(1);
    assertThat(ClusterFixture.get(web, a.httpPort(), "/health/ready").statusCode()).isEqualTo(200);
    assertThat(ClusterFixture.check(web, a.httpPort(), ClusterFixture.phone(6, 1)).statusCode()).isEqualTo(200);
  }
}
