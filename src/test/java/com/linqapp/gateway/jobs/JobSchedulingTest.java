package com.linqapp.gateway.jobs;

import static com.linqapp.gateway.jobs.JobsTestSupport.awaitStatus;
import static com.linqapp.gateway.jobs.JobsTestSupport.ndjson;
import static com.linqapp.gateway.jobs.JobsTestSupport.status;
import static com.linqapp.gateway.jobs.JobsTestSupport.submit;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.http.DrainSwitch;
import com.linqapp.gateway.http.HttpApiVerticle;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How jobs share the engine: turns by job, windows that are never shed, and where jobs are not available. */
@ExtendWith(VertxExtension.class)
class JobSchedulingTest {

  private GatewayHarness gw;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  @DisplayName("a small job behind a big one of the same client is answered within a few send slots, none shed")
  void smallJobBehindBigJob(Vertx vertx) {
    JobRunnerOptions runner = new JobRunnerOptions(30_000, 100, 50, Duration.ofSeconds(30), 200, 0.5,
        failures -> 300);
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 20)
        .put("LINQ_RATE_LIMIT_BURST", 1), runner);
    gw.sim().tokenBucket(25, 2);
    String big = submit(gw, KEY_A, null, null, ndjson(addresses(2_000, "+1555000"))).bodyAsJsonObject()
        .getString("id");
    // Its window (20/s × 30 s × 0.5 = 300 checks) is queued ahead of anything submitted now.
    until("big job under way", () -> status(gw, KEY_A, big).getLong("answered") >= 20);
    long before = status(gw, KEY_A, big).getLong("answered");
    String small = submit(gw, KEY_A, null, null, ndjson(addresses(10, "+1666000"))).bodyAsJsonObject()
        .getString("id");
    awaitStatus(gw, KEY_A, small, "completed", Duration.ofSeconds(60));
    long bigMeanwhile = status(gw, KEY_A, big).getLong("answered") - before;
    // Turns by job: about one big answer per small one (plus what was in flight and write batching),
    // not the ~300 queued ahead of it.
    assertThat(bigMeanwhile).isLessThanOrEqualTo(3 * 10 + 30);
    assertThat(status(gw, KEY_A, big).getString("status")).isEqualTo("running");

    String metrics = gw.get("/metrics").bodyAsString();
    // (the series exist from the start, at 0)
    assertThat(metrics.lines().filter(line -> line.startsWith("gateway_shed_total")).toList())
        .as("no job line shed by the engine's admission").isNotEmpty().allMatch(line -> line.endsWith(" 0.0"));
  }

  @Test
  @DisplayName("without a store (a clustered gateway with the file store) every job route is 503 naming GATEWAY_JOBS_STORE")
  void noStoreMeansNoJobs(Vertx vertx) {
    int port = Ports.free();
    GatewayConfig config = GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(new JsonObject()
        .put("GATEWAY_HTTP_HOST", "127.0.0.1").put("GATEWAY_HTTP_PORT", port).put("GATEWAY_API_KEYS", "team-a=" + KEY_A)
        .put("LINQ_API_V3_API_KEY", "unused")));
    ResultCache cache = ResultCache.create(1000, 1000, 1000, 10, System::currentTimeMillis);
    await(vertx.deployVerticle(new HttpApiVerticle(config, "hop", cache, GatewayMetrics.create(), new DrainSwitch(), null)));
    WebClient web = WebClient.create(vertx);
    for (HttpResponse<Buffer> response : java.util.List.of(
        await(web.post(port, "127.0.0.1", "/v1/jobs").putHeader("Authorization", "Bearer " + KEY_A)
            .sendBuffer(Buffer.buffer("{\"address\":\"+15550000000\"}\n"))),
        await(web.get(port, "127.0.0.1", "/v1/jobs/j1").putHeader("Authorization", "Bearer " + KEY_A).send()))) {
      assertThat(response.statusCode()).isEqualTo(503);
      JsonObject error = GatewayHarness.envelopeError(response);
      assertThat(error.getInteger("code")).isEqualTo(9012);
      assertThat(error.getString("message")).contains("GATEWAY_JOBS_STORE");
    }
    web.close();
  }
}
