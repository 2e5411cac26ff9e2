package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.it.support.GatewayProcesses;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.support.GatewayHarness;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: the gateway that sends for the cluster dies (SIGKILL) under load, inside a 429 pause it had
 * announced: the other gateway takes over within Hazelcast's failure detection (the production setting,
 * 5 s), asks itself the checks it had forwarded, sends nothing inside the pause, and answers every one of
 * its callers.
 */
class ClusterFailoverIT {

  private static final int PAUSE_SECONDS = 8;

  @TempDir
  Path workDir;

  private Sim sim;
  private GatewayProcesses cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  @DisplayName("the owner killed with SIGKILL inside its 429 pause: every check on the survivor answered 200, none sent inside the pause")
  void ownerKilledUnderLoad() {
    sim = new Sim();
    // the account allows twice what the gateways are told: the only 429 is the one this test causes
    sim.simulator.tokenBucket(40, 10).latency(20, 0);
    cluster = GatewayProcesses.start(workDir, sim.simulator, 2, 5, Map.of(
        "LINQ_RATE_LIMIT_PER_SECOND", "20", "LINQ_RATE_LIMIT_BURST", "5"), 0);
    assertThat(cluster.owner()).isZero();
    sim.simulator.resetStats();

    // The owner's only request is refused: it pauses, and tells the survivor. Nothing else is in flight, so
    // nothing can reach Linq inside the pause but what a gateway sends there.
    sim.simulator.failNext(Fault.rateLimited(PAUSE_SECONDS), 1);
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    calls.add(cluster.check(1, GatewayProcesses.KEY, GatewayProcesses.phones(19, 1).get(0), 45_000));
    Await.until("the survivor holds the owner's pause",
        () -> cluster.status(1).getLong("pausedMillis") > 0);
    // Load on the survivor: forwarded to the paused owner, which queues it
    for (String phone : GatewayProcesses.phones(20, 150)) {
      calls.add(cluster.check(1, GatewayProcesses.KEY, phone, 45_000));
    }
    Await.until("the owner holds the survivor's checks",
        () -> cluster.status(0).getInteger("queued") >= 100);
    cluster.process(0).kill();

    List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
    assertThat(cluster.owner()).isEqualTo(1);
    assertThat(cluster.upstreamAnswers(1)).as("the survivor sent them").isEqualTo(151);
    assertThat(sim.simulator.stats().rateLimited429()).isEqualTo(1);
    assertThat(sim.simulator.stats().requestsInsidePause()).as("nothing sent inside Linq's pause").isZero();
    assertThat(sim.simulator.stats().answered()).isEqualTo(151);
  }
}
