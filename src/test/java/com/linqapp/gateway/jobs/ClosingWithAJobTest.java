package com.linqapp.gateway.jobs;

import static com.linqapp.gateway.jobs.JobsTestSupport.ndjson;
import static com.linqapp.gateway.jobs.JobsTestSupport.status;
import static com.linqapp.gateway.jobs.JobsTestSupport.submit;
import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Closing Vert.x while a job runs, without draining first (an embedding application, a test): the runner
 * still writes the answers its run holds and gives the job back. Vert.x closes what was opened outside
 * any verticle before it stops the verticles; the store opened there had gone before the runner could
 * write to it (answers lost with the file store, a close that never ended with PostgreSQL).
 */
class ClosingWithAJobTest {

  private static final int LINES = 20;
  /**
   * Answers stay with the run until it closes: nothing is written on the way, and a line that failed waits
   * ten minutes for its retry (so the run has not ended, which would write them).
   */
  private static final JobRunnerOptions HOLDING = new JobRunnerOptions(10_000, 10_000, 600_000,
      Duration.ofSeconds(30), 200, 0.5, failures -> 600_000);

  /** The gateway's; closed by the test itself, and here again (a no-op then) should the test fail before. */
  private Vertx vertx;
  private Vertx reopened;

  @AfterEach
  void closeBoth() {
    for (Vertx each : new Vertx[] {vertx, reopened}) {
      if (each != null) {
        await(each.close());
      }
    }
  }

  @Test
  @DisplayName("file store: the answers a run holds are written when Vert.x closes")
  void fileStore() {
    closeWithAnswersHeld(new JsonObject());
  }

  @Test
  @DisplayName("PostgreSQL store: the answers a run holds are written when Vert.x closes")
  void postgresStore() {
    PostgresServer server = PostgresServer.shared();
    closeWithAnswersHeld(new JsonObject().put("GATEWAY_JOBS_STORE", server.url(server.createDatabase("closing"))));
  }

  private void closeWithAnswersHeld(JsonObject settings) {
    vertx = Vertx.vertx();
    GatewayHarness gw = GatewayHarness.start(vertx, new SimulatorOptions(), settings.put("LINQ_MAX_ATTEMPTS", 1),
        HOLDING);
    gw.sim().failNext(new Fault(Fault.Kind.ERROR_500, 0), 1);
    String id = submit(gw, KEY_A, null, null, ndjson(addresses(LINES, "+1555000"))).bodyAsJsonObject()
        .getString("id");
    until("every line checked", () -> gw.sim().stats().checkRequests() == LINES);
    // The engine replies to the run before it answers this status request, on the run's event loop ahead of
    // anything the close puts there.
    until("every answer with the run", () -> gw.engineStatus().getInteger("waiting") == 0);
    assertThat(status(gw, KEY_A, id).getLong("answered")).as("nothing written yet").isZero();

    gw.close();
    await(vertx.close());

    reopened = Vertx.vertx();
    JobStore store = await(JobStore.open(reopened, gw.config().jobsOptions(), Clock.systemUTC()));
    Job job = await(store.get(id));
    await(store.close());
    assertThat(job.answered()).as("every answer but the failed line's").isEqualTo(LINES - 1);
    assertThat(job.status()).isNotEqualTo(JobStatus.COMPLETED);
  }
}
