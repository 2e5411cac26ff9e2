package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.Fault;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GATEWAY_SHUTDOWN_DELAY_SECONDS} on the real jar, as a Kubernetes rollout meets it: SIGTERM takes
 * {@code /health/ready} down at once while checks are still served (a new address goes to Linq and is
 * answered 200), and only after the delay does the drain refuse new checks with 503/9002.
 */
class ShutdownDelayIT {

  static final String CLIENT_KEY = "delay-client-key";
  /** Long enough that a loaded machine cannot pass it between the signal and the checks that follow. */
  static final int DELAY_SECONDS = 10;
  static final int GRACE_SECONDS = 5;

  @TempDir
  Path workDir;

  Sim sim;
  JarProcess gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void readinessGoesDownAtOnceChecksAreServedForTheDelayThenTheDrainRefuses() throws Exception {
    sim = new Sim();
    int port = Ports.free();
    gateway = JarProcess.start(workDir, "delay", Map.of(
            "GATEWAY_HTTP_PORT", String.valueOf(port),
            "LINQ_API_V3_BASE_URL", sim.baseUrl(),
            "LINQ_API_V3_API_KEY", sim.apiKey(),
            "GATEWAY_API_KEYS", "delay=" + CLIENT_KEY,
            "GATEWAY_SHUTDOWN_DELAY_SECONDS", String.valueOf(DELAY_SECONDS),
            "GATEWAY_SHUTDOWN_GRACE_SECONDS", String.valueOf(GRACE_SECONDS)),
        "serve").awaitReady(port);
    assertThat(Http.checkIMessage(port, "+15551230001", CLIENT_KEY, null).statusCode()).isEqualTo(200);

    gateway.terminate();
    HttpResponse<String> notReady = waitUntilNotReady(port);
    assertThat(notReady.body()).contains("shutting down");

    // Readiness is down, yet the node serves as usual: a new address goes to Linq, a cached one is a hit.
    HttpResponse<String> fresh = Http.checkIMessage(port, "+15551230002", CLIENT_KEY, null);
    assertThat(fresh.statusCode()).as(fresh.body()).isEqualTo(200);
    assertThat(fresh.headers().firstValue("X-Cache")).hasValue("miss");
    assertThat(sim.simulator.stats().requestsFor("+15551230002")).isEqualTo(1);
    HttpResponse<String> cached = Http.checkIMessage(port, "+15551230001", CLIENT_KEY, null);
    assertThat(cached.statusCode()).isEqualTo(200);
    assertThat(cached.headers().firstValue("X-Cache")).hasValue("hit");
    assertThat(Http.get(port, "/health/ready").statusCode()).as("still not ready").isEqualTo(503);
    assertThat(gateway.isAlive()).isTrue();

    // A check Linq never answers keeps the drain open for its grace period, so the refusals can be seen.
    sim.simulator.failNext(Fault.hang(), 1);
    CompletableFuture<HttpResponse<String>> hanging =
        CompletableFuture.supplyAsync(() -> Http.checkIMessage(port, "+15551230003", CLIENT_KEY, null));
    while (sim.simulator.stats().inFlight() < 1) {
      Thread.sleep(10);
    }

    // Then the drain: new checks are refused with 503/9002 (each poll uses a new address, so none is cached).
    HttpResponse<String> refused = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DELAY_SECONDS + 20);
    for (int i = 0; refused == null && System.nanoTime() < deadline; i++) {
      HttpResponse<String> response = Http.checkIMessage(port, String.format("+1555124%04d", i), CLIENT_KEY, null);
      if (response.statusCode() != 200) {
        refused = response;
      } else {
        Thread.sleep(200);
      }
    }
    assertThat(refused).as("the drain began after the delay\n" + gateway.logs()).isNotNull();
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getInteger("code")).isEqualTo(9002);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();

    HttpResponse<String> held = hanging.get(GRACE_SECONDS + 10, TimeUnit.SECONDS);
    assertThat(held.statusCode()).as("answered when the grace period ends").isEqualTo(503);
    assertThat(gateway.waitForExit()).as(gateway.logs()).isIn(0, 143);
    assertThat(gateway.stderr()).contains("serving for " + TimeUnit.SECONDS.toMillis(DELAY_SECONDS) + " ms");
  }

  private static HttpResponse<String> waitUntilNotReady(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> ready = Http.get(port, "/health/ready");
      if (ready.statusCode() == 503) {
        return ready;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("/health/ready never went down after SIGTERM");
  }
}
