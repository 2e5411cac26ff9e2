package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.JobStoreContract;
import com.linqapp.gateway.jobs.Lease;
import com.linqapp.gateway.jobs.MutableClock;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The store contract on PostgreSQL (a real server, a fresh database per test), and reads that span many
 * windows: a page is only short at the job's end, however sparse what it looks for.
 */
class PgJobStoreTest extends JobStoreContract {

  static final PostgresServer SERVER = PostgresServer.shared();
  /** One database for the class, emptied for each test (a database per test costs seconds to make and delete). */
  static final String DATABASE = SERVER.createDatabase("contract");

  @Override
  protected JobStore open(Vertx vertx, MutableClock clock) {
    JobStore store = reopen(vertx, clock);
    SERVER.psql(DATABASE, "TRUNCATE gateway_jobs, gateway_job_lines, gateway_job_answers");
    return store;
  }

  @Override
  protected JobStore reopen(Vertx vertx, MutableClock clock) {
    return await(PgJobStore.open(vertx, SERVER.connectOptions(DATABASE), 4, clock));
  }

  @Test
  @DisplayName("sparse unanswered lines and sparse answers come in full pages across many windows")
  void sparseReadsFillTheirPages() {
    int total = 20_000;
    Job job = submit(spec("team-a"), total);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    List<JobAnswer> answers = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      if (i % 4_001 != 7) { // lines 7, 4008, 8009, 12010, 16011 stay unanswered
        answers.add(answer(i, true));
      }
      if (answers.size() == 1_000) {
        await(store.appendAnswers(lease, answers, null));
        answers = new ArrayList<>();
      }
    }
    await(store.appendAnswers(lease, answers, null));
    assertThat(lineIndexes(await(store.unanswered(job.id(), -1, 4)))).containsExactly(7L, 4_008L, 8_009L, 12_010L);
    assertThat(lineIndexes(await(store.unanswered(job.id(), 8_009, 10)))).containsExactly(12_010L, 16_011L);

    assertThat(indexes(await(store.answers(job.id(), 4_000, 100)))).as("running: up to the first gap")
        .containsExactlyElementsOf(range(4_001, 4_008));
    await(store.cancel(job.id()));
    List<JsonObject> skipping = await(store.answers(job.id(), 4_000, 9_000));
    assertThat(skipping).hasSize(9_000);
    assertThat(indexes(skipping)).doesNotContain(4_008L, 8_009L, 12_010L).startsWith(4_001L).endsWith(13_003L);
  }
}
