package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.Sim;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the real jar: new requests get 503/9002 (cached or not), in-flight checks are answered, queued ones are
 * answered (200, or 503/9002 with Retry-After when the grace period ends), and the process exits 0/143.
 */
class SigtermDrainIT {

  static final String CLIENT_KEY = "drain-client-key";
  static final int GRACE_SECONDS = 3;

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
    sim.simulator.latency(1500, 0);
    int port = JarProcess.freePort();
    gateway = JarProcess.start(workDir, "drain", Map.of(
            "GATEWAY_HTTP_PORT", String.valueOf(port),
            "LINQ_API_V3_BASE_URL", sim.baseUrl(),
            "LINQ_API_V3_API_KEY", sim.apiKey(),
            "GATEWAY_API_KEYS", "drain=" + CLIENT_KEY,
            "LINQ_MAX_CONCURRENCY", "2",
            "GATEWAY_SHUTDOWN_GRACE_SECONDS", String.valueOf(GRACE_SECONDS)),
        "serve").awaitReady(port, Duration.ofSeconds(30));
    // the startup key check may still be in flight on the slow simulator; let it finish
    Thread.sleep(1700);
    // an address the cache can answer: served on the HTTP event loop, it never reaches the engine
    String cached = "+15559876543";
    assertThat(Http.checkIMessage(port, cached, CLIENT_KEY, null).statusCode()).isEqualTo(200);
    assertThat(Http.checkIMessage(port, cached, CLIENT_KEY, null).headers().firstValue("X-Cache")).hasValue("hit");

    List<CompletableFuture<HttpResponse<String>>> checks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String address = "+1555123456" + i;
      checks.add(CompletableFuture.supplyAsync(() -> Http.checkIMessage(port, address, CLIENT_KEY, null), pool));
    }
    waitForInFlight(port, 2);

    long signalled = System.nanoTime();
    gateway.terminate();

    waitUntilNotReady(port);
    HttpResponse<String> late = Http.checkIMessage(port, "+15557654321", CLIENT_KEY, null);
    assertShuttingDown(late);
    assertShuttingDown(Http.checkIMessage(port, cached, CLIENT_KEY, null));

    int ok = 0;
    for (CompletableFuture<HttpResponse<String>> check : checks) {
      HttpResponse<String> response = check.get(GRACE_SECONDS + 10, TimeUnit.SECONDS);
      if (response.statusCode() == 200) {
        ok++;
        assertThat(new JsonObject(response.body()).getValue("available")).isInstanceOf(Boolean.class);
      } else {
        assertShuttingDown(response);
      }
    }
    assertThat(ok).as("the two checks in flight at SIGTERM are answered").isGreaterThanOrEqualTo(2);

    int exit = gateway.waitForExit(Duration.ofSeconds(GRACE_SECONDS + 8));
    assertThat(exit).as(gateway.logs()).isIn(0, 143);
    assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(GRACE_SECONDS + 8));
  }

  private static void assertShuttingDown(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getInteger("code")).isEqualTo(9002);
    assertThat(response.headers().firstValue("Retry-After")).as("Retry-After on 503").isPresent();
  }

  /** Reads the engine status from {@code /health/ready} until {@code count} checks are in flight upstream. */
  private static void waitForInFlight(int port, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> ready = Http.get(port, "/health/ready");
      String body = ready.body();
      if (body.contains("\"inFlight\":" + count) && !body.contains("\"queued\":0")) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("never saw " + count + " checks in flight with some queued");
  }

  private static void waitUntilNotReady(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (Http.get(port, "/health/ready").statusCode() == 503) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("/health/ready never reported draining after SIGTERM");
  }
}
