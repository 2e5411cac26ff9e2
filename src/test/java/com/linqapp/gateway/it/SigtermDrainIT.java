package com.linqapp.gateway.it;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.support.Ports;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the real jar: new requests get 503/9002 (cached or not), the checks in flight are answered once
 * Linq answers them, the queued ones still unanswered when the grace period ends get 503/9002 with
 * Retry-After, and the process exits 0/143. Linq (the simulator in this JVM) answers only when the test
 * releases a check, so each step happens in a known state.
 */
class SigtermDrainIT {

  static final String CLIENT_KEY = "drain-client-key";
  /** Long enough for the test's few requests between SIGTERM and releasing the checks in flight. */
  static final int GRACE_SECONDS = 8;

  @TempDir
  Path workDir;

  Sim sim;
  JarProcess gateway;
  ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void stop() {
    pool.shutdownNow();
    if (gateway != null) {
      gateway.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void sigtermDrainsAndRefusesNewChecks() throws Exception {
    sim = new Sim();
    sim.simulator.hold();
    int port = Ports.free();
    gateway = JarProcess.start(workDir, "drain", Map.of(
            "GATEWAY_HTTP_PORT", String.valueOf(port),
            "LINQ_API_V3_BASE_URL", sim.baseUrl(),
            "LINQ_API_V3_API_KEY", sim.apiKey(),
            "GATEWAY_API_KEYS", "drain=" + CLIENT_KEY,
            "LINQ_MAX_CONCURRENCY", "2",
            // a known limit far above the load: an unknown one opens with one request per round trip
            "LINQ_RATE_LIMIT_PER_SECOND", "1000",
            "GATEWAY_SHUTDOWN_GRACE_SECONDS", String.valueOf(GRACE_SECONDS)),
        "serve").awaitReady(port);
    // an address the cache can answer: served on the HTTP event loop, it never reaches the engine
    String cached = "+15559876543";
    CompletableFuture<HttpResponse<String>> first =
        CompletableFuture.supplyAsync(() -> Http.checkIMessage(port, cached, CLIENT_KEY, null), pool);
    until("the first check held at Linq", () -> sim.simulator.held().contains(cached));
    await(sim.simulator.releaseAll());
    sim.simulator.hold();
    assertThat(first.get().statusCode()).isEqualTo(200);
    assertThat(Http.checkIMessage(port, cached, CLIENT_KEY, null).headers().firstValue("X-Cache")).hasValue("hit");

    List<CompletableFuture<HttpResponse<String>>> checks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String address = "+1555123456" + i;
      checks.add(CompletableFuture.supplyAsync(() -> Http.checkIMessage(port, address, CLIENT_KEY, null), pool));
    }
    until("2 checks at Linq, 4 queued", () -> {
      JsonObject engine = engineData(Http.get(port, "/health/ready"));
      return engine.getInteger("inFlight", -1) == 2 && engine.getInteger("queued", -1) == 4;
    });

    gateway.terminate();
    until("/health/ready reports draining", () -> Http.get(port, "/health/ready").statusCode() == 503);
    assertShuttingDown(Http.checkIMessage(port, "+15557654321", CLIENT_KEY, null));

    assertShuttingDown(Http.checkIMessage(port, cached, CLIENT_KEY, null));

    // Linq answers the two in flight at SIGTERM; the gateway sends two queued checks, which Linq holds.
    await(sim.simulator.release(2));
    int ok = 0;
    for (CompletableFuture<HttpResponse<String>> check : checks) {
      HttpResponse<String> response = check.get();
      if (response.statusCode() == 200) {
        ok++;
        assertThat(new JsonObject(response.body()).getValue("available")).isInstanceOf(Boolean.class);
      } else {
        assertShuttingDown(response);
      }
    }
    assertThat(ok).as("the two checks in flight at SIGTERM answered; the rest 503/9002 at the grace's end")
        .isEqualTo(2);
    assertThat(gateway.waitForExit()).as(gateway.logs()).isIn(0, 143);
  }

  private static void assertShuttingDown(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getInteger("code")).isEqualTo(9002);
    assertThat(response.headers().firstValue("Retry-After")).as("Retry-After on 503").isPresent();
  }

  /** The engine check's data in a health report. */
  private static JsonObject engineData(HttpResponse<String> health) {
    JsonArray checks = new JsonObject(health.body()).getJsonArray("checks", new JsonArray());
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if ("engine".equals(check.getString("id"))) {
        return check.getJsonObject("data", new JsonObject());
      }
    }
    return new JsonObject();
  }
}
