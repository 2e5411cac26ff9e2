package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobDraft;
import com.linqapp.gateway.jobs.JobLine;
import com.linqapp.gateway.jobs.JobPause;
import com.linqapp.gateway.jobs.JobSpec;
import com.linqapp.gateway.jobs.JobStatus;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.Lease;
import com.linqapp.gateway.jobs.LeaseHeldException;
import com.linqapp.gateway.jobs.JobsBus;
import com.linqapp.gateway.jobs.StaleLeaseException;
import com.linqapp.gateway.jobs.StoreClosedException;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two gateways' stores on one database, on the database's own clock (as in production): who holds a job
 * is decided by PostgreSQL's {@code now()}, a gateway whose lease was taken over cannot write, and what one
 * gateway does to a job is heard on the others at once.
 */
class PgLeaseTest {

  static final PostgresServer SERVER = PostgresServer.shared();
  static final Duration LONG = Duration.ofMinutes(5);
  static final Duration SHORT = Duration.ofMillis(1);

  /** Each gateway has a Vert.x (an event bus) of its own. */
  Vertx vertxA;
  Vertx vertxB;
  String database;
  JobStore gatewayA;
  JobStore gatewayB;

  @BeforeEach
  void setUp() {
    vertxA = Vertx.vertx();
    vertxB = Vertx.vertx();
    database = SERVER.createDatabase("leases");
    gatewayA = await(PgJobStore.open(vertxA, SERVER.connectOptions(database), 2, null));
    gatewayB = await(PgJobStore.open(vertxB, SERVER.connectOptions(database), 2, null));
  }

  @AfterEach
  void tearDown() {
    await(gatewayA.close());
    await(gatewayB.close());
    await(vertxA.close());
    await(vertxB.close());
  }

  /** What reaches a gateway's local {@link JobsBus} address, in order. */
  static BlockingQueue<String> heard(Vertx vertx, String address) {
    BlockingQueue<String> ids = new LinkedBlockingQueue<>();
    await(vertx.eventBus().<String>localConsumer(address, message -> ids.add(message.body())).completion());
    return ids;
  }

  static String next(BlockingQueue<String> ids) throws InterruptedException {
    String id = ids.poll(10, TimeUnit.SECONDS);
    assertThat(id).as("an event within 10 s").isNotNull();
    return id;
  }

  Job submit(int lines) {
    JobDraft draft = await(gatewayA.draft(new JobSpec("team-a", null, Service.IMESSAGE, null, Priority.BULK, null,
        null)));
    List<JobLine> batch = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      batch.add(new JobLine(i, new JsonObject().put("address", "+1555000" + (1000 + i)).encode()));
    }
    await(draft.append(batch));
    return await(draft.commit("f"));
  }

  static JobAnswer answer(long index) {
    return JobAnswer.of(new JsonObject().put("index", index).put("address", "+1555000" + (1000 + index))
        .put("service", "imessage").put("available", true));
  }

  /** Waits until the database's clock has passed the lease's expiry. */
  void waitForExpiry(Lease lease) {
    until("the database's clock passes " + lease.expiresAt(),
        () -> SERVER.now(database).isAfter(lease.expiresAt()));
  }

  @Test
  @DisplayName("a lease's expiry is the database's now() plus its time to live")
  void leaseExpiryIsTheDatabasesClock() {
    Job job = submit(3);
    Instant before = SERVER.now(database);
    Lease lease = await(gatewayA.claim(job.id(), "gateway-a", LONG));
    Instant after = SERVER.now(database);
    assertThat(lease.expiresAt()).isBetween(before.plus(LONG), after.plus(LONG));
    Job running = await(gatewayB.get(job.id()));
    assertThat(running.startedAt()).isBetween(before, after);
    assertThat(awaitFailure(gatewayB.claim(job.id(), "gateway-b", LONG))).isInstanceOf(LeaseHeldException.class);
  }

  @Test
  @DisplayName("a lease that expired on the database's clock is taken over, with a higher generation")
  void expiredLeaseIsTakenOver() {
    Job job = submit(3);
    Lease first = await(gatewayA.claim(job.id(), "gateway-a", SHORT));
    waitForExpiry(first);
    assertThat(await(gatewayB.runnable(10))).extracting(Job::id).containsExactly(job.id());
    Lease second = await(gatewayB.claim(job.id(), "gateway-b", LONG));
    assertThat(second.generation()).isGreaterThan(first.generation());
    assertThat(await(gatewayA.runnable(10))).isEmpty();
  }

  @Test
  @DisplayName("fencing: a gateway whose lease was taken over cannot write answers, state or renewals")
  void takenOverGatewayCannotWrite() {
    Job job = submit(4);
    Lease stale = await(gatewayA.claim(job.id(), "gateway-a", SHORT));
    await(gatewayA.appendAnswers(stale, List.of(answer(0)), null));
    waitForExpiry(stale);
    Lease current = await(gatewayB.claim(job.id(), "gateway-b", LONG));

    // gateway A comes back from a long pause, unaware
    assertThat(awaitFailure(gatewayA.appendAnswers(stale, List.of(answer(1), answer(2)), 3.0)))
        .isInstanceOf(StaleLeaseException.class);
    assertThat(awaitFailure(gatewayA.update(stale, JobStatus.PAUSED,
        new JobPause(JobPause.Reason.LINQ_FAILING, null)))).isInstanceOf(StaleLeaseException.class);
    assertThat(awaitFailure(gatewayA.update(stale, JobStatus.FAILED, null))).isInstanceOf(StaleLeaseException.class);
    assertThat(awaitFailure(gatewayA.renew(stale, LONG))).isInstanceOf(StaleLeaseException.class);
    await(gatewayA.release(stale));

    Job now = await(gatewayB.get(job.id()));
    assertThat(now.answered()).isEqualTo(1);
    assertThat(now.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(now.rate()).isNull();
    assertThat(await(gatewayB.unanswered(job.id(), -1, 10))).extracting(JobLine::index).containsExactly(1L, 2L, 3L);
    // and the holder carries on from the last durable answer
    Job after = await(gatewayB.appendAnswers(current, List.of(answer(1), answer(2), answer(3)), null));
    assertThat(after.answered()).isEqualTo(4);
    assertThat(await(gatewayB.update(current, JobStatus.COMPLETED, null)).status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  @DisplayName("a cancel made on one gateway reaches the runner's gateway at once, with no write of its own")
  void cancelReachesTheHolder() throws InterruptedException {
    BlockingQueue<String> submittedAtB = heard(vertxB, JobsBus.SUBMITTED);
    BlockingQueue<String> cancelledAtA = heard(vertxA, JobsBus.CANCELLED);
    BlockingQueue<String> answeredAtB = heard(vertxB, JobsBus.ANSWERED);
    Job job = submit(3);
    assertThat(next(submittedAtB)).as("gateway B hears of A's submission").isEqualTo(job.id());
    Lease lease = await(gatewayA.claim(job.id(), "gateway-a", LONG));
    await(gatewayA.appendAnswers(lease, List.of(answer(0)), null));
    assertThat(next(answeredAtB)).as("followers on B hear of A's answers").isEqualTo(job.id());

    long before = System.nanoTime();
    await(gatewayB.cancel(job.id()));
    assertThat(next(cancelledAtA)).isEqualTo(job.id());
    long millis = (System.nanoTime() - before) / 1_000_000;
    System.out.println("cancel on B heard on A after " + millis + " ms");
    assertThat(next(answeredAtB)).as("followers hear that the job ended").isEqualTo(job.id());
    await(gatewayB.cancel(job.id()));
    assertThat(cancelledAtA.poll(300, TimeUnit.MILLISECONDS)).as("a repeated cancel changes nothing").isNull();
  }

  @Test
  @DisplayName("a closed store refuses every operation with StoreClosedException")
  void closedStoreRefuses() {
    Job job = submit(1);
    await(gatewayB.close());
    assertThat(awaitFailure(gatewayB.get(job.id()))).isInstanceOf(StoreClosedException.class);
    assertThat(awaitFailure(gatewayB.claim(job.id(), "gateway-b", LONG))).isInstanceOf(StoreClosedException.class);
    assertThat(await(gatewayA.get(job.id())).status()).isEqualTo(JobStatus.QUEUED);
  }

  @Test
  @DisplayName("any gateway reads and cancels a job another gateway runs; the runner's next write sees it")
  void anyGatewayServesAnyJob() {
    Job job = submit(3);
    Lease lease = await(gatewayA.claim(job.id(), "gateway-a", LONG));
    await(gatewayA.appendAnswers(lease, List.of(answer(0)), null));
    assertThat(await(gatewayB.answers(job.id(), -1, 10))).hasSize(1);
    assertThat(await(gatewayB.list("team-a", null, 10))).extracting(Job::id).containsExactly(job.id());
    assertThat(await(gatewayB.cancel(job.id())).status()).isEqualTo(JobStatus.CANCELLED);
    Job seenByRunner = await(gatewayA.appendAnswers(lease, List.of(answer(1)), null));
    assertThat(seenByRunner.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(seenByRunner.answered()).isEqualTo(2);
  }
}
