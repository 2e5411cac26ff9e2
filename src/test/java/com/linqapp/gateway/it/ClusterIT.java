package com.linqapp.gateway.it;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.support.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code serve} processes of the real jar clustered over loopback (the jar's own Hazelcast
 * configuration: the working directory has no conf/), one simulator: an answer fetched by one node is
 * served by the other, readiness shows the cluster, and SIGTERM on one node takes its readiness down
 * before it exits while the other keeps serving.
 */
class ClusterIT {

  static final String CLIENT_KEY = "cluster-client-key";
  static final String PHONE = "+12025550188";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path workDir;

  Sim sim;
  JarProcess a;
  JarProcess b;

  @AfterEach
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private Map<String, String> env(String name, int clusterPort, int httpPort, int... members) {
    Map<String, String> env = new HashMap<>();
    env.put("GATEWAY_CLUSTER", "true");
    env.put("GATEWAY_CLUSTER_NAME", name);
    env.put("GATEWAY_CLUSTER_PORT", String.valueOf(clusterPort));
    StringBuilder seeds = new StringBuilder();
    for (int member : members) {
      seeds.append(seeds.length() == 0 ? "" : ",").append("127.0.0.1:").append(member);
    }
    env.put("GATEWAY_CLUSTER_MEMBERS", seeds.toString());
    env.put("GATEWAY_HTTP_HOST", "127.0.0.1");
    env.put("GATEWAY_HTTP_PORT", String.valueOf(httpPort));
    env.put("LINQ_API_V3_BASE_URL", sim.baseUrl());
    env.put("LINQ_API_V3_API_KEY", sim.apiKey());
    env.put("GATEWAY_API_KEYS", "it=" + CLIENT_KEY);
    // B's drain must outlast the test's few requests between SIGTERM and Linq answering B's check.
    env.put("GATEWAY_SHUTDOWN_GRACE_SECONDS", "30");
    return env;
  }

  private static HttpResponse<String> check(int port, String address) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/partner/v3/capability/check_imessage"))
            .header("Authorization", "Bearer " + CLIENT_KEY).header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("address", address).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The engine check's cluster data in {@code /health/ready}. */
  private static JsonObject readyCluster(int port) throws Exception {
    HttpResponse<String> ready = get(port, "/health/ready");
    JsonArray checks = new JsonObject(ready.body()).getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if ("engine".equals(check.getString("id"))) {
        JsonObject data = check.getJsonObject("data", new JsonObject());
        return data.getJsonObject("cluster");
      }
    }
    throw new AssertionError("no engine check in " + ready.body());
  }

  /** A poll for {@link Await#until} that reads over HTTP: an I/O failure is "not yet". */
  private static boolean polled(java.util.concurrent.Callable<Boolean> condition) {
    try {
      return condition.call();
    } catch (Exception notYet) {
      return false;
    }
  }

  @Test
  void twoProcessesShareAnswersAndSurviveSigterm() throws Exception {
    sim = new Sim();
    String name = "cluster-it-" + UUID.randomUUID().toString().substring(0, 8);
    int clusterA = Ports.free();
    int clusterB = Ports.free();
    int httpA = Ports.free();
    int httpB = Ports.free();
    a = JarProcess.start(workDir, "cluster-a", env(name, clusterA, httpA, clusterA, clusterB), "serve");
    b = JarProcess.start(workDir, "cluster-b", env(name, clusterB, httpB, clusterA, clusterB), "serve");
    a.awaitReady(httpA);
    b.awaitReady(httpB);
    until("both nodes ready as members of a 2-node cluster", () -> polled(() ->
        readyCluster(httpA).getInteger("members") == 2 && readyCluster(httpB).getInteger("members") == 2));
    assertThat(readyCluster(httpA).getBoolean("active")).isTrue();

    // an address checked on A, then on B: one upstream call
    HttpResponse<String> onA = check(httpA, PHONE);
    assertThat(onA.statusCode()).as(onA.body()).isEqualTo(200);
    assertThat(onA.headers().firstValue("X-Cache")).hasValue("miss");
    HttpResponse<String> onB = check(httpB, PHONE);
    assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
    assertThat(onB.headers().firstValue("X-Cache")).hasValue("hit");
    assertThat(new JsonObject(onB.body())).isEqualTo(new JsonObject(onA.body()));
    assertThat(sim.simulator.stats().requestsFor(PHONE)).isEqualTo(1);

    // the manifest's Add-Opens let Hazelcast run without its module warning
    assertThat(a.stdout() + a.stderr()).doesNotContain("without proper access to required Java packages");

    // SIGTERM on B while a check is in flight there (Linq holds it): B's readiness goes down, and B exits
    // only once the check is answered.
    sim.simulator.hold();
    CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
      try {
        return check(httpB, "+12025550189");
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    until("the check held at the simulator", () -> sim.simulator.held().size() == 1);
    b.terminate();
    until("B's /health/ready answers 503 while it drains", () -> polled(() ->
        get(httpB, "/health/ready").statusCode() == 503));
    assertThat(b.isAlive()).as("B waits for its check").isTrue();
    await(sim.simulator.releaseAll());
    assertThat(inFlight.get().statusCode()).isEqualTo(200);
    assertThat(b.waitForExit()).isIn(0, 143);

    // A keeps serving, alone
    until("A sees itself alone", () -> polled(() -> readyCluster(httpA).getInteger("members") == 1));
    assertThat(get(httpA, "/health/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> after = check(httpA, "+12025550190");
    assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    for (String address : List.of(PHONE, "+12025550189")) {
      assertThat(check(httpA, address).headers().firstValue("X-Cache")).hasValue("hit");
    }
  }
}
