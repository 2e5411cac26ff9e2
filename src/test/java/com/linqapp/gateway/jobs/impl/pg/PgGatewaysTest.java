package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.jobs.JobsTestSupport;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Two whole gateways (engine, routes, job runner) on one database, each in front of a simulator of its own. */
class PgGatewaysTest {

  static final PostgresServer SERVER = PostgresServer.shared();
  static final int LINES = 300;
  static final int RATE = 20;
  /** Far longer than the test: a job that moves moved because its lease was given back, not because it expired. */
  static final int LEASE_SECONDS = 600;

  Vertx vertxA;
  Vertx vertxB;
  GatewayHarness a;
  GatewayHarness b;

  @AfterEach
  void stop() {
    for (GatewayHarness gateway : new GatewayHarness[] {a, b}) {
      if (gateway != null) {
        gateway.close();
      }
    }
    for (Vertx vertx : new Vertx[] {vertxA, vertxB}) {
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().join();
      }
    }
  }

  @Test
  @DisplayName("SIGTERM gives a job back at once: the other gateway carries on long before the lease would expire")
  void drainReleasesTheLease() {
    JsonObject settings = new JsonObject()
        .put("GATEWAY_JOBS_STORE", SERVER.url(SERVER.createDatabase("gateways")))
        .put("GATEWAY_JOBS_LEASE_SECONDS", LEASE_SECONDS)
        .put("LINQ_RATE_LIMIT_PER_SECOND", RATE);
    SimulatorOptions limited = new SimulatorOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET)
        .setRatePerSecond(RATE * 1.1).setBurst(5);
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    a = GatewayHarness.start(vertxA, limited, settings);
    b = GatewayHarness.start(vertxB, new SimulatorOptions(limited.toJson()), settings);

    List<String> addresses = GatewayHarness.addresses(LINES, "+1202555");
    String id = JobsTestSupport.submit(a, KEY_A, null, "application/x-ndjson", JobsTestSupport.ndjson(addresses))
        .bodyAsJsonObject().getString("id");
    until("one gateway runs the job", () ->
        a.sim().stats().checkRequests() + b.sim().stats().checkRequests() >= 40);
    GatewayHarness holder = a.sim().stats().checkRequests() > 0 ? a : b;
    GatewayHarness other = holder == a ? b : a;
    assertThat(other.sim().stats().checkRequests()).as("only the holder checks").isZero();

    // What SIGTERM does: drain (stop feeding, let the engine answer, write, give the leases back), then close.
    await(holder.gateway().drain(5_000));
    long answeredAtDrain = JobsTestSupport.status(other, KEY_A, id).getLong("answered");
    holder.close();
    await(holder.vertx().close());
    if (holder == a) {
      a = null; // closed: nothing left for stop()
    } else {
      b = null;
    }

    JsonObject done = JobsTestSupport.awaitStatus(other, KEY_A, id, "completed", Duration.ofSeconds(60));
    assertThat(done.getLong("answered")).isEqualTo(LINES);
    assertThat(answeredAtDrain).as("the holder had not finished").isLessThan(LINES);
    assertThat(other.sim().stats().answered()).as("the other gateway checked the rest")
        .isGreaterThanOrEqualTo(LINES - answeredAtDrain);
    assertThat(SERVER.psql(other.config().jobsOptions().postgres().connectOptions().getDatabase(),
        "SELECT generation FROM gateway_jobs").trim()).as("claimed twice: by the holder, then by the other")
        .isEqualTo("2");
    assertThat(holder.sim().stats().answered() + other.sim().stats().answered())
        .as("no line checked twice but those in flight at the drain").isLessThanOrEqualTo(LINES + 16);
  }
}
