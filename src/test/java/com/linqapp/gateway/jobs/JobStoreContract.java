package com.linqapp.gateway.jobs;

import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link JobStore} keeps: run it by extending this class with a way to open the store
 * (and to open it again on the same storage). The clock is the test's: leases, retention and callback due
 * times move only when it is advanced.
 */
public abstract class JobStoreContract {

  protected static final Duration TTL = Duration.ofSeconds(30);

  protected Vertx vertx;
  protected MutableClock clock;
  protected JobStore store;

  /** A store on fresh, empty storage. */
  protected abstract JobStore open(Vertx vertx, MutableClock clock) throws Exception;

  /** A new store instance on the same storage as the last {@link #open} (the previous one is closed first). */
  protected abstract JobStore reopen(Vertx vertx, MutableClock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    store = open(vertx, clock);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      await(store.close());
    }
    await(vertx.close());
  }

  protected JobStore reopenStore() throws Exception {
    await(store.close());
    store = reopen(vertx, clock);
    return store;
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  protected static JobSpec spec(String client) {
    return new JobSpec(client, null, Service.IMESSAGE, null, Priority.BULK, null, null);
  }

  protected static JobSpec specWithKey(String client, String key) {
    return new JobSpec(client, "named", Service.IMESSAGE, 60L, Priority.BULK, null, key);
  }

  protected static List<JobLine> lines(long from, int count) {
    List<JobLine> lines = new ArrayList<>();
    for (long i = from; i < from + count; i++) {
      lines.add(new JobLine(i, new JsonObject().put("address", String.format("+1555%07d", i)).encode()));
    }
    return lines;
  }

  protected Job submit(JobSpec spec, int count) {
    JobDraft draft = await(store.draft(spec));
    for (int from = 0; from < count; from += 100) {
      await(draft.append(lines(from, Math.min(100, count - from))));
    }
    return await(draft.commit("fingerprint-" + count));
  }

  protected static JobAnswer answer(long index, boolean available) {
    return JobAnswer.of(new JsonObject().put("index", index).put("address", String.format("+1555%07d", index))
        .put("service", "imessage").put("available", available));
  }

  protected static JobAnswer itemError(long index) {
    return JobAnswer.of(new JsonObject().put("index", index).put("address", "bad").put("service", "imessage")
        .put("error", new JsonObject().put("status", 400).put("code", 1002).put("message", "bad address")));
  }

  protected static List<Long> indexes(List<JsonObject> lines) {
    return lines.stream().map(line -> line.getLong("index")).collect(Collectors.toList());
  }

  protected static List<Long> lineIndexes(List<JobLine> lines) {
    return lines.stream().map(JobLine::index).collect(Collectors.toList());
  }

  protected static List<Long> range(long from, long toExclusive) {
    return LongStream.range(from, toExclusive).boxed().collect(Collectors.toList());
  }

  // ---- submission -------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a committed job is queued with its lines counted, and readable by id and in its client's list")
  void committedJobIsQueued() {
    Job job = submit(spec("team-a"), 250);
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.total()).isEqualTo(250);
    assertThat(job.answered()).isZero();
    assertThat(job.createdAt()).isEqualTo(clock.instant());
    assertThat(await(store.get(job.id()))).isEqualTo(job);
    assertThat(await(store.list("team-a", null, 10))).extracting(Job::id).containsExactly(job.id());
    assertThat(await(store.list("team-b", null, 10))).isEmpty();
    assertThat(await(store.get("j0000000000000000000000000"))).isNull();
  }

  @Test
  @DisplayName("lines are stored as given: text kept, an over-long line kept as a marker")
  void linesAreStoredAsGiven() {
    JobDraft draft = await(store.draft(spec("team-a")));
    await(draft.append(List.of(new JobLine(0, "{\"address\":\"+15550000001\"}"), new JobLine(1, "not json"),
        JobLine.tooLong(2), new JobLine(3, "{\"address\":\"ünïcødé@example.com\"}"))));
    Job job = await(draft.commit("f"));
    assertThat(await(store.unanswered(job.id(), -1, 10))).containsExactly(
        new JobLine(0, "{\"address\":\"+15550000001\"}"), new JobLine(1, "not json"), JobLine.tooLong(2),
        new JobLine(3, "{\"address\":\"ünïcødé@example.com\"}"));
  }

  @Test
  @DisplayName("long lines and answers, across any read buffer, come back byte for byte, also after reopening")
  void longLinesComeBackWhole() throws Exception {
    JobDraft draft = await(store.draft(spec("team-a")));
    List<JobLine> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      lines.add(new JobLine(i, new JsonObject().put("address", String.format("+1555%07d", i))
          .put("note", "é".repeat(3_000 + 97 * i)).encode()));
    }
    await(draft.append(lines));
    Job job = await(draft.commit("long"));
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    List<JobLine> first = await(store.unanswered(job.id(), -1, 15));
    List<JobLine> rest = await(store.unanswered(job.id(), 14, 100));
    assertThat(first).isEqualTo(lines.subList(0, 15));
    assertThat(rest).isEqualTo(lines.subList(15, 40));
    List<JobAnswer> answers = new ArrayList<>();
    for (int i = 39; i >= 0; i--) {
      answers.add(JobAnswer.of(answer(i, i % 2 == 0).line().put("reason", "x".repeat(2_000 + 131 * i))));
    }
    await(store.appendAnswers(lease, answers.subList(0, 20), null));
    await(store.appendAnswers(lease, answers.subList(20, 40), null));
    List<JsonObject> expected = new ArrayList<>();
    for (int i = 39; i >= 0; i--) {
      expected.add(0, answers.get(39 - i).line());
    }
    assertThat(await(store.answers(job.id(), -1, 100))).isEqualTo(expected);
    reopenStore();
    assertThat(await(store.answers(job.id(), -1, 100))).isEqualTo(expected);
    assertThat(await(store.get(job.id())).answered()).isEqualTo(40);
  }

  @Test
  @DisplayName("an aborted draft leaves nothing behind, not even in the store's size")
  void abortedDraftLeavesNothing() {
    long before = await(store.usage("team-a")).bytes();
    JobDraft draft = await(store.draft(spec("team-a")));
    await(draft.append(lines(0, 500)));
    assertThat(await(store.usage("team-a")).openJobs()).isEqualTo(1);
    await(draft.abort());
    assertThat(await(store.usage("team-a"))).isEqualTo(new StoreUsage(0, before));
    assertThat(await(store.get(draft.id()))).isNull();
    assertThat(await(store.list("team-a", null, 10))).isEmpty();
  }

  @Test
  @DisplayName("usage counts a client's open jobs and grows with what is stored")
  void usageCountsOpenJobsAndBytes() {
    long empty = await(store.usage("team-a")).bytes();
    Job first = submit(spec("team-a"), 10);
    submit(spec("team-a"), 10);
    submit(spec("team-b"), 10);
    StoreUsage usage = await(store.usage("team-a"));
    assertThat(usage.openJobs()).isEqualTo(2);
    assertThat(usage.bytes()).isGreaterThan(empty);
    await(store.cancel(first.id()));
    assertThat(await(store.usage("team-a")).openJobs()).isEqualTo(1);
  }

  @Test
  @DisplayName("jobs are counted by status across clients")
  void countsByStatus() {
    Job running = submit(spec("team-a"), 1);
    submit(spec("team-b"), 1);
    Job cancelled = submit(spec("team-b"), 1);
    await(store.claim(running.id(), "runner-1", TTL));
    await(store.cancel(cancelled.id()));
    assertThat(await(store.countByStatus())).containsEntry(JobStatus.RUNNING, 1).containsEntry(JobStatus.QUEUED, 1)
        .containsEntry(JobStatus.CANCELLED, 1).doesNotContainKey(JobStatus.COMPLETED);
  }

  @Test
  @DisplayName("the same Idempotency-Key with the same fingerprint returns the first job and stores nothing more")
  void idempotentResubmission() {
    JobDraft first = await(store.draft(specWithKey("team-a", "key-1")));
    await(first.append(lines(0, 5)));
    Job job = await(first.commit("same"));
    assertThat(await(store.findByIdempotencyKey("team-a", "key-1"))).extracting(Job::id).isEqualTo(job.id());

    JobDraft again = await(store.draft(specWithKey("team-a", "key-1")));
    await(again.append(lines(0, 5)));
    assertThat(await(again.commit("same")).id()).isEqualTo(job.id());
    assertThat(await(store.list("team-a", null, 10))).hasSize(1);
    assertThat(await(store.usage("team-a")).openJobs()).isEqualTo(1);
  }

  @Test
  @DisplayName("the same Idempotency-Key with another fingerprint is a conflict naming the first job")
  void idempotencyConflict() {
    Job job = submitWithKey("team-a", "key-1", "one");
    JobDraft other = await(store.draft(specWithKey("team-a", "key-1")));
    await(other.append(lines(0, 3)));
    Throwable failure = awaitFailure(other.commit("two"));
    assertThat(failure).isInstanceOf(IdempotencyConflictException.class);
    assertThat(((IdempotencyConflictException) failure).jobId()).isEqualTo(job.id());
    assertThat(await(store.list("team-a", null, 10))).hasSize(1);
  }

  @Test
  @DisplayName("Idempotency-Keys are scoped to the client")
  void idempotencyKeysAreScopedToTheClient() {
    Job a = submitWithKey("team-a", "key-1", "one");
    Job b = submitWithKey("team-b", "key-1", "two");
    assertThat(b.id()).isNotEqualTo(a.id());
    assertThat(await(store.findByIdempotencyKey("team-b", "key-1")).id()).isEqualTo(b.id());
    assertThat(await(store.findByIdempotencyKey("team-c", "key-1"))).isNull();
  }

  private Job submitWithKey(String client, String key, String fingerprint) {
    JobDraft draft = await(store.draft(specWithKey(client, key)));
    await(draft.append(lines(0, 3)));
    return await(draft.commit(fingerprint));
  }

  @Test
  @DisplayName("a client's list is newest first and pages with the last id seen")
  void listPagesNewestFirst() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(submit(spec("team-a"), 1).id());
      clock.advance(Duration.ofMillis(1));
    }
    submit(spec("team-b"), 1);
    List<Job> page1 = await(store.list("team-a", null, 2));
    List<Job> page2 = await(store.list("team-a", page1.get(1).id(), 2));
    List<Job> page3 = await(store.list("team-a", page2.get(1).id(), 2));
    assertThat(page1).extracting(Job::id).containsExactly(ids.get(4), ids.get(3));
    assertThat(page2).extracting(Job::id).containsExactly(ids.get(2), ids.get(1));
    assertThat(page3).extracting(Job::id).containsExactly(ids.get(0));
  }

  @Test
  @DisplayName("job ids sort by creation time, also within one millisecond")
  void idsSortByCreation() {
    String first = submit(spec("team-a"), 1).id();
    String second = submit(spec("team-a"), 1).id();
    assertThat(first).matches("j[0-9a-z]{26}");
    assertThat(second.compareTo(first)).isPositive();
  }

  // ---- leases -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a claim starts the job and increases its generation with every claim")
  void claimStartsTheJob() {
    Job job = submit(spec("team-a"), 3);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    assertThat(lease.owner()).isEqualTo("runner-1");
    assertThat(lease.expiresAt()).isEqualTo(clock.instant().plus(TTL));
    Job running = await(store.get(job.id()));
    assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(running.startedAt()).isEqualTo(clock.instant());
    await(store.release(lease));
    Lease again = await(store.claim(job.id(), "runner-1", TTL));
    assertThat(again.generation()).isGreaterThan(lease.generation());
  }

  @Test
  @DisplayName("a held lease cannot be claimed by another owner until it expires")
  void heldLeaseIsExclusive() {
    Job job = submit(spec("team-a"), 3);
    await(store.claim(job.id(), "runner-1", TTL));
    assertThat(awaitFailure(store.claim(job.id(), "runner-2", TTL))).isInstanceOf(LeaseHeldException.class);
    assertThat(await(store.runnable(10))).isEmpty();
    clock.advance(TTL.plusMillis(1));
    assertThat(await(store.runnable(10))).extracting(Job::id).containsExactly(job.id());
    assertThat(await(store.claim(job.id(), "runner-2", TTL)).owner()).isEqualTo("runner-2");
  }

  @Test
  @DisplayName("a stale generation cannot write answers or state, and changes nothing")
  void staleGenerationCannotWrite() {
    Job job = submit(spec("team-a"), 3);
    Lease old = await(store.claim(job.id(), "runner-1", TTL));
    clock.advance(TTL.plusMillis(1));
    Lease current = await(store.claim(job.id(), "runner-2", TTL));
    assertThat(current.generation()).isGreaterThan(old.generation());

    assertThat(awaitFailure(store.appendAnswers(old, List.of(answer(0, true)), null)))
        .isInstanceOf(StaleLeaseException.class);
    assertThat(awaitFailure(store.update(old, JobStatus.PAUSED,
        new JobPause(JobPause.Reason.LINQ_RATE_LIMITED, null)))).isInstanceOf(StaleLeaseException.class);
    assertThat(awaitFailure(store.renew(old, TTL))).isInstanceOf(StaleLeaseException.class);
    await(store.release(old));
    assertThat(await(store.runnable(10))).isEmpty(); // the stale release freed nothing

    Job now = await(store.get(job.id()));
    assertThat(now.answered()).isZero();
    assertThat(now.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(await(store.appendAnswers(current, List.of(answer(0, true)), null)).answered()).isEqualTo(1);
  }

  @Test
  @DisplayName("a renewed lease stays exclusive past its first expiry; an expired one not yet taken can be renewed")
  void renewExtendsTheLease() {
    Job job = submit(spec("team-a"), 3);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    clock.advance(TTL.minusSeconds(1));
    Lease renewed = await(store.renew(lease, TTL));
    assertThat(renewed.generation()).isEqualTo(lease.generation());
    clock.advance(Duration.ofSeconds(2));
    assertThat(awaitFailure(store.claim(job.id(), "runner-2", TTL))).isInstanceOf(LeaseHeldException.class);
    clock.advance(TTL);
    assertThat(await(store.renew(renewed, TTL)).expiresAt()).isEqualTo(clock.instant().plus(TTL));
  }

  @Test
  @DisplayName("runnable lists jobs not ended with a free or expired lease, oldest first")
  void runnableJobs() {
    Job first = submit(spec("team-a"), 1);
    clock.advance(Duration.ofMillis(5));
    Job second = submit(spec("team-b"), 1);
    Job cancelled = submit(spec("team-b"), 1);
    await(store.cancel(cancelled.id()));
    assertThat(await(store.runnable(10))).extracting(Job::id).containsExactly(first.id(), second.id());
    assertThat(await(store.runnable(1))).extracting(Job::id).containsExactly(first.id());
    await(store.claim(first.id(), "runner-1", TTL));
    assertThat(await(store.runnable(10))).extracting(Job::id).containsExactly(second.id());
    assertThat(awaitFailure(store.claim(cancelled.id(), "runner-1", TTL))).isInstanceOf(LeaseHeldException.class);
  }

  // ---- answers ----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("answers are counted, kept once per line, and later duplicates are ignored")
  void answersAreKeptOncePerLine() {
    Job job = submit(spec("team-a"), 4);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    Job after = await(store.appendAnswers(lease, List.of(answer(2, true), itemError(0), answer(1, false)), 12.5));
    assertThat(after.answered()).isEqualTo(3);
    assertThat(after.available()).isEqualTo(1);
    assertThat(after.errors()).isEqualTo(1);
    assertThat(after.rate()).isEqualTo(12.5);

    JobAnswer changedMind = answer(2, false);
    Job again = await(store.appendAnswers(lease, List.of(changedMind, answer(99, true), answer(-1, true)), null));
    assertThat(again.answered()).isEqualTo(3);
    assertThat(again.available()).isEqualTo(1);
    assertThat(await(store.answers(job.id(), -1, 10)).get(2).getBoolean("available")).isTrue();
  }

  @Test
  @DisplayName("unanswered gives lines without an answer after the cursor, in input order")
  void unansweredSkipsAnsweredLines() {
    Job job = submit(spec("team-a"), 10);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true), answer(3, true), answer(4, false), answer(9, true)),
        null));
    assertThat(lineIndexes(await(store.unanswered(job.id(), -1, 100)))).containsExactly(1L, 2L, 5L, 6L, 7L, 8L);
    assertThat(lineIndexes(await(store.unanswered(job.id(), -1, 3)))).containsExactly(1L, 2L, 5L);
    assertThat(lineIndexes(await(store.unanswered(job.id(), 5, 2)))).containsExactly(6L, 7L);
    assertThat(lineIndexes(await(store.unanswered(job.id(), 2, 100)))).containsExactly(5L, 6L, 7L, 8L);
    assertThat(await(store.unanswered(job.id(), 9, 100))).isEmpty();
  }

  @Test
  @DisplayName("answers come in input order and stop before the first line still unanswered (a safe cursor)")
  void answersStopAtTheFirstGap() {
    Job job = submit(spec("team-a"), 6);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(3, true), answer(1, false), answer(0, true), answer(5, true)),
        null));
    assertThat(indexes(await(store.answers(job.id(), -1, 100)))).containsExactly(0L, 1L);
    assertThat(indexes(await(store.answers(job.id(), 1, 100)))).isEmpty();
    assertThat(indexes(await(store.answers(job.id(), -1, 1)))).containsExactly(0L);
    await(store.appendAnswers(lease, List.of(answer(2, true)), null));
    assertThat(indexes(await(store.answers(job.id(), 1, 100)))).containsExactly(2L, 3L);
    assertThat(await(store.answers(job.id(), 1, 100)).get(0))
        .isEqualTo(answer(2, true).line());
  }

  @Test
  @DisplayName("once a job has ended, answers skip the lines that never got one")
  void endedJobAnswersSkipGaps() {
    Job job = submit(spec("team-a"), 5);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true), answer(2, true), answer(4, false)), null));
    await(store.cancel(job.id()));
    assertThat(indexes(await(store.answers(job.id(), -1, 100)))).containsExactly(0L, 2L, 4L);
    assertThat(indexes(await(store.answers(job.id(), 0, 1)))).containsExactly(2L);
  }

  @Test
  @DisplayName("a job completes only when every line has its answer")
  void completionNeedsEveryAnswer() {
    Job job = submit(spec("team-a"), 2);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true)), null));
    assertThat(awaitFailure(store.update(lease, JobStatus.COMPLETED, null))).isInstanceOf(IllegalStateException.class);
    await(store.appendAnswers(lease, List.of(answer(1, true)), null));
    clock.advance(Duration.ofSeconds(7));
    Job done = await(store.update(lease, JobStatus.COMPLETED, null));
    assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(done.finishedAt()).isEqualTo(clock.instant());
    assertThat(done.callback()).isNull(); // no callback_url
    assertThat(await(store.runnable(10))).isEmpty();
  }

  @Test
  @DisplayName("a pause is kept with its reason and end, and cleared when the job runs again")
  void pauseIsKept() {
    Job job = submit(spec("team-a"), 2);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    Instant until = clock.instant().plusSeconds(45);
    Job paused = await(store.update(lease, JobStatus.PAUSED, new JobPause(JobPause.Reason.LINQ_RATE_LIMITED, until)));
    assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
    assertThat(await(store.get(job.id())).pause()).isEqualTo(new JobPause(JobPause.Reason.LINQ_RATE_LIMITED, until));
    assertThat(paused.toJson().getString("reason")).isEqualTo("linq_rate_limited");
    Job running = await(store.update(lease, JobStatus.RUNNING, null));
    assertThat(running.pause()).isNull();
  }

  @Test
  @DisplayName("cancelling is final and repeatable; in-flight answers are still kept; the runner cannot revive it")
  void cancelIsFinal() {
    Job job = submit(spec("team-a"), 3);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    clock.advance(Duration.ofSeconds(1));
    Job cancelled = await(store.cancel(job.id()));
    assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(cancelled.finishedAt()).isEqualTo(clock.instant());
    clock.advance(Duration.ofSeconds(1));
    assertThat(await(store.cancel(job.id()))).isEqualTo(cancelled);

    Job late = await(store.appendAnswers(lease, List.of(answer(1, true)), null));
    assertThat(late.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(late.answered()).isEqualTo(1);
    assertThat(await(store.update(lease, JobStatus.RUNNING, null)).status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(await(store.cancel("j0000000000000000000000000"))).isNull();
  }

  // ---- callbacks --------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a job with a callback_url has a pending delivery once it ends; updates are compare-and-set")
  void callbackDeliveryState() {
    JobSpec withCallback = new JobSpec("team-a", null, Service.IMESSAGE, null, Priority.BULK,
        "https://hooks.example.com/done", null);
    Job job = submit(withCallback, 1);
    assertThat(await(store.callbacksDue(10))).isEmpty();
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true)), null));
    Job done = await(store.update(lease, JobStatus.COMPLETED, null));
    CallbackState pending = done.callback();
    assertThat(pending.status()).isEqualTo(CallbackState.Status.PENDING);
    assertThat(pending.nextAttemptAt()).isEqualTo(clock.instant());
    assertThat(pending.deliveryId()).isNotBlank();
    assertThat(await(store.callbacksDue(10))).extracting(Job::id).containsExactly(job.id());

    CallbackState retry = new CallbackState(pending.deliveryId(), CallbackState.Status.PENDING, 1, clock.instant(),
        clock.instant().plusSeconds(10), "503");
    assertThat(await(store.updateCallback(job.id(), pending, retry))).isTrue();
    assertThat(await(store.updateCallback(job.id(), pending, retry))).isFalse(); // someone else's attempt
    assertThat(await(store.callbacksDue(10))).isEmpty();
    clock.advance(Duration.ofSeconds(10));
    assertThat(await(store.callbacksDue(10))).extracting(Job::id).containsExactly(job.id());
    CallbackState delivered = new CallbackState(pending.deliveryId(), CallbackState.Status.DELIVERED, 2,
        retry.firstAttemptAt(), null, "200");
    assertThat(await(store.updateCallback(job.id(), retry, delivered))).isTrue();
    assertThat(await(store.callbacksDue(10))).isEmpty();
    assertThat(await(store.get(job.id())).callback()).isEqualTo(delivered);
  }

  @Test
  @DisplayName("a cancelled job with a callback_url gets a delivery too")
  void cancelledJobCallsBack() {
    JobSpec withCallback = new JobSpec("team-a", null, Service.IMESSAGE, null, Priority.BULK,
        "https://hooks.example.com/done", null);
    Job job = submit(withCallback, 2);
    assertThat(await(store.cancel(job.id())).callback().status()).isEqualTo(CallbackState.Status.PENDING);
    assertThat(await(store.callbacksDue(10))).extracting(Job::id).containsExactly(job.id());
  }

  // ---- retention and durability ------------------------------------------------------------------------------

  @Test
  @DisplayName("retention deletes jobs that ended before the cutoff, with their answers, and nothing else")
  void retentionDeletesEndedJobs() {
    Job old = submit(spec("team-a"), 3);
    Lease lease = await(store.claim(old.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true), answer(1, true), answer(2, true)), null));
    await(store.update(lease, JobStatus.COMPLETED, null));
    clock.advance(Duration.ofDays(1));
    Job open = submit(spec("team-a"), 3);
    Job recent = submit(spec("team-a"), 3);
    await(store.cancel(recent.id()));
    long beforePurge = await(store.usage("team-a")).bytes();

    assertThat(await(store.purgeFinishedBefore(clock.instant().minusSeconds(60)))).isEqualTo(1);
    assertThat(await(store.get(old.id()))).isNull();
    assertThat(await(store.answers(old.id(), -1, 10))).isEmpty();
    assertThat(await(store.get(open.id()))).isNotNull();
    assertThat(await(store.get(recent.id()))).isNotNull();
    assertThat(await(store.list("team-a", null, 10))).extracting(Job::id).containsExactly(recent.id(), open.id());
    assertThat(await(store.usage("team-a")).bytes()).isLessThan(beforePurge);
    assertThat(await(store.purgeFinishedBefore(clock.instant().minusSeconds(60)))).isZero();
  }

  @Test
  @DisplayName("jobs, answers, counts, states and idempotency keys survive reopening the store")
  void everythingSurvivesReopening() throws Exception {
    Job job = submit(specWithKey("team-a", "key-9"), 5);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true), itemError(1), answer(3, false)), null));
    Instant until = clock.instant().plusSeconds(30);
    await(store.update(lease, JobStatus.PAUSED, new JobPause(JobPause.Reason.CLIENT_BUDGET_SPENT, until)));
    Job before = await(store.get(job.id()));

    reopenStore();
    Job after = await(store.get(job.id()));
    assertThat(after.total()).isEqualTo(5);
    assertThat(after.answered()).isEqualTo(3);
    assertThat(after.available()).isEqualTo(1);
    assertThat(after.errors()).isEqualTo(1);
    assertThat(after.createdAt()).isEqualTo(before.createdAt());
    assertThat(after.spec()).isEqualTo(before.spec());
    assertThat(after.pause()).isEqualTo(before.pause());
    assertThat(indexes(await(store.answers(job.id(), -1, 10)))).containsExactly(0L, 1L);
    assertThat(lineIndexes(await(store.unanswered(job.id(), -1, 10)))).containsExactly(2L, 4L);
    assertThat(await(store.findByIdempotencyKey("team-a", "key-9")).id()).isEqualTo(job.id());
  }

  @Test
  @DisplayName("a draft never committed does not survive reopening")
  void uncommittedDraftIsDiscardedOnReopen() throws Exception {
    JobDraft draft = await(store.draft(spec("team-a")));
    await(draft.append(lines(0, 50)));
    reopenStore();
    assertThat(await(store.get(draft.id()))).isNull();
    assertThat(await(store.usage("team-a")).openJobs()).isZero();
  }

  @Test
  @DisplayName("a large job pages through unanswered lines and answers without gaps")
  void largeJobPages() {
    Job job = submit(spec("team-a"), 5_000);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    long after = -1;
    int batches = 0;
    while (true) {
      List<JobLine> todo = await(store.unanswered(job.id(), after, 700));
      if (todo.isEmpty()) {
        break;
      }
      List<JobAnswer> answers = new ArrayList<>();
      for (JobLine line : todo) {
        answers.add(answer(line.index(), line.index() % 3 == 0));
      }
      await(store.appendAnswers(lease, answers, null));
      after = todo.get(todo.size() - 1).index();
      batches++;
    }
    assertThat(batches).isEqualTo(8);
    Job done = await(store.update(lease, JobStatus.COMPLETED, null));
    assertThat(done.answered()).isEqualTo(5_000);
    assertThat(done.available()).isEqualTo(1_667);
    List<JsonObject> page = await(store.answers(job.id(), 4_000, 2_000));
    assertThat(indexes(page)).isEqualTo(range(4_001, 5_000));
  }
}
