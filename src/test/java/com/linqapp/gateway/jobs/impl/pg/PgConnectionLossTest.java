package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobDraft;
import com.linqapp.gateway.jobs.JobLine;
import com.linqapp.gateway.jobs.JobSpec;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.Lease;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Connections lost in the middle of a write (a failover, a network cut: here {@code pg_terminate_backend}):
 * the batch is sent again and every answer is stored exactly once, counted exactly once.
 */
class PgConnectionLossTest {

  static final PostgresServer SERVER = PostgresServer.shared();
  static final int LINES = 1_000;

  Vertx vertx;
  String database;
  JobStore store;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    database = SERVER.createDatabase("connection_loss");
    store = await(PgJobStore.open(vertx, SERVER.connectOptions(database), 2, null));
  }

  @AfterEach
  void tearDown() {
    await(store.close());
    await(vertx.close());
  }

  Job submit() {
    JobDraft draft = await(store.draft(new JobSpec("team-a", null, Service.IMESSAGE, null, Priority.BULK, null, null)));
    List<JobLine> lines = new ArrayList<>();
    for (int i = 0; i < LINES; i++) {
      lines.add(new JobLine(i, new JsonObject().put("address", String.format("+1555%07d", i)).encode()));
    }
    await(draft.append(lines));
    return await(draft.commit("f"));
  }

  static List<JobAnswer> answers(int from, int to) {
    List<JobAnswer> answers = new ArrayList<>();
    for (int i = from; i < to; i++) {
      answers.add(JobAnswer.of(new JsonObject().put("index", i).put("address", String.format("+1555%07d", i))
          .put("service", "imessage").put("available", i % 2 == 0)));
    }
    return answers;
  }

  /** Server processes of the store waiting for a row lock, by pid. */
  List<String> waitingOnTheLock() {
    String pids = SERVER.psql("postgres", "SELECT pid FROM pg_stat_activity WHERE datname = '" + database
        + "' AND wait_event_type = 'Lock'").trim();
    return pids.isEmpty() ? List.of() : List.of(pids.split("\n"));
  }

  @Test
  @DisplayName("a batch whose connection is cut while it waits in the database is sent again: no answer lost or doubled")
  void batchCutMidStatementIsSentAgain() {
    Job job = submit();
    Lease lease = await(store.claim(job.id(), "runner-1", Duration.ofMinutes(5)));
    await(store.appendAnswers(lease, answers(0, 300), null));

    // Another session holds the job's row, so the next batch is provably inside its statement when cut.
    PgConnection locker = await(PgConnection.connect(vertx, SERVER.connectOptions(database)));
    Transaction transaction = await(locker.begin());
    await(locker.preparedQuery("SELECT 1 FROM gateway_jobs WHERE id = $1 FOR UPDATE").execute(Tuple.of(job.id())));

    Future<Job> written = store.appendAnswers(lease, answers(200, 700), 12.0); // 200..299 already there
    until("the batch waits for the row", () -> waitingOnTheLock().size() == 1);
    String cut = waitingOnTheLock().get(0);
    assertThat(SERVER.psql("postgres", "SELECT pg_terminate_backend(" + cut + ")").trim()).isEqualTo("t");
    // sent again on a new connection, where it waits for the row once more
    until("the batch is sent again",
        () -> waitingOnTheLock().stream().anyMatch(pid -> !pid.equals(cut)));
    assertThat(written.isComplete()).isFalse();
    await(transaction.commit());
    await(locker.close());

    Job after = await(written);
    assertThat(after.answered()).isEqualTo(700);
    assertThat(after.available()).isEqualTo(350);
    assertThat(after.rate()).isEqualTo(12.0);
    assertThat(SERVER.psql(database, "SELECT count(*), count(DISTINCT idx), min(idx), max(idx) FROM gateway_job_answers")
        .trim()).isEqualTo("700|700|0|699");
  }

  @Test
  @DisplayName("after every connection is cut between batches, the next batch and reads go through on new ones")
  void poolRecoversFromCutConnections() {
    Job job = submit();
    Lease lease = await(store.claim(job.id(), "runner-1", Duration.ofMinutes(5)));
    for (int from = 0; from < LINES; from += 250) {
      assertThat(SERVER.terminateConnections(database)).as("connections cut before the batch at " + from)
          .isPositive();
      assertThat(await(store.appendAnswers(lease, answers(from, from + 250), null)).answered()).isEqualTo(from + 250);
    }
    assertThat(SERVER.terminateConnections(database)).isPositive();
    assertThat(await(store.answers(job.id(), -1, 2 * LINES))).hasSize(LINES);
    assertThat(SERVER.psql(database, "SELECT answered, available, bytes = (SELECT sum(octet_length(answer) + 1) "
        + "FROM gateway_job_answers) + (SELECT sum(octet_length(line) + 1) FROM gateway_job_lines) FROM gateway_jobs")
        .trim()).isEqualTo(LINES + "|" + LINES / 2 + "|t");
  }
}
