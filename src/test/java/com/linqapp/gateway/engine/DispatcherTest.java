package com.linqapp.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.engine.pacing.LimitEstimate;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault.Kind;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.support.FakeScheduler;
import com.linqapp.gateway.support.ScriptedLinq;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher on virtual time: exact send times, no sleeping. The README's figures (the bulk lane's
 * fifth, the default retries and their backoff, a line's 5-minute RCS rest, an interactive check's wait
 * during a paced flood) are asserted here, where they are exact.
 */
class DispatcherTest {

  private final FakeScheduler clock = new FakeScheduler();
  private final ScriptedLinq linq = new ScriptedLinq(clock);

  private final Map<CheckKey, CheckAnswer> answered = new HashMap<>();

  private DispatchListener recorder() {
    return new DispatchListener() {
      @Override
      public void onAnswer(CheckKey key, CheckAnswer answer) {
        answered.put(key, answer);
      }
    };
  }

  private Dispatcher dispatcher(int maxQueue, int maxConcurrency) {
    return dispatcher(maxQueue, maxConcurrency, SendPacer.unlimited());
  }

  private Dispatcher dispatcher(int maxQueue, int maxConcurrency, SendPacer pacer) {
    return new Dispatcher(new EngineOptions(maxQueue, maxConcurrency, 3, 100, 2_000, 5, 0.2, false, 60_000), linq,
        clock, failures -> 100L * failures, failures -> 1_000, () -> pacer, recorder(), request -> null);
  }

  private Dispatcher perLineDispatcher(SendPacer.Factory pacers) {
    return perLineDispatcher(new EngineOptions(100, 16, 3, 100, 2_000, 5, 0.2, true, 60_000), pacers);
  }

  private Dispatcher perLineDispatcher(EngineOptions options, SendPacer.Factory pacers) {
    linq.probeAnswers(new LinqOutcome.SenderLines(LINES, null));
    Dispatcher dispatcher = new Dispatcher(options, linq, clock, failures -> 100L * failures, failures -> 1_000, pacers,
        recorder(), request -> null);
    dispatcher.verifyCredentials();
    return dispatcher;
  }

  /** The gateway's defaults ({@link EngineOptions#of}), whose figures the README gives. */
  private static EngineOptions defaults(boolean perLineLimit) {
    return EngineOptions.of(100, 16, EngineOptions.DEFAULT_MAX_ATTEMPTS, perLineLimit);
  }

  private static final List<String> LINES = List.of("+12025550101", "+12025550102", "+12025550103");

  private CheckRequest check(int i, long timeoutMillis) {
    return check(i, timeoutMillis, Priority.INTERACTIVE, Service.IMESSAGE);
  }

  private CheckRequest check(int i, long timeoutMillis, Priority lane, Service service) {
    return new CheckRequest(service, "+1202555" + String.format("%04d", i), null, clock.now() + timeoutMillis, lane,
        Freshness.DEFAULT, "req-" + i, "test");
  }

  /** The last request sent, answered now. */
  private ScriptedLinq.Call answerLast() {
    ScriptedLinq.Call call = linq.calls.get(linq.calls.size() - 1);
    call.settle(answer(call.address, true));
    return call;
  }

  private static LinqOutcome answer(String address, boolean available) {
    return new LinqOutcome.Answered(new CheckAnswer(address, available, null, null), null);
  }

  private static CheckException failureOf(Future<?> future) {
    assertThat(future.failed()).as("future failed").isTrue();
    return (CheckException) future.cause();
  }

  @Test
  @DisplayName("never more requests in flight than the concurrency limit")
  void concurrencyLimitIsNeverExceeded() {
    Dispatcher dispatcher = dispatcher(100, 3);
    for (int i = 0; i < 10; i++) {
      dispatcher.submit(check(i, 30_000));
    }
    assertThat(linq.open()).hasSize(3);
    assertThat(dispatcher.queued()).isEqualTo(7);
    linq.calls.get(0).settle(answer(linq.calls.get(0).address, true));
    assertThat(linq.open()).hasSize(3);
    assertThat(linq.calls).hasSize(4);
  }

  @Test
  @DisplayName("a full queue is refused at once with 503/9001 and Retry-After")
  void queueFullIsShedAtOnce() {
    Dispatcher dispatcher = dispatcher(2, 1);
    dispatcher.submit(check(0, 30_000));
    dispatcher.submit(check(1, 30_000));
    dispatcher.submit(check(2, 30_000));
    Future<CheckResult> shed = dispatcher.submit(check(3, 30_000));
    CheckException error = failureOf(shed);
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.code()).isEqualTo(9001);
    assertThat(error.retryAfterSeconds()).isPositive();
  }

  @Test
  @DisplayName("an answer carries the address as the request had it")
  void answerEchoesRequestAddress() {
    Dispatcher dispatcher = dispatcher(10, 1);
    Future<CheckResult> result = dispatcher.submit(check(7, 30_000));
    linq.calls.get(0).settle(new LinqOutcome.Answered(new CheckAnswer("something else", true, "r", "iMessage"), null));
    assertThat(result.result().answer()).isEqualTo(new CheckAnswer("+12025550007", true, "r", "iMessage"));
    assertThat(result.result().source()).isEqualTo(CheckResult.Source.MISS);
  }

  @Test
  @DisplayName("a 429 pauses all dispatch until Retry-After, then resumes with one request")
  void rateLimitPausesEverythingAndResumesGently() {
    Dispatcher dispatcher = dispatcher(100, 4);
    for (int i = 0; i < 8; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    assertThat(linq.calls).hasSize(4);
    linq.calls.get(0).settle(new LinqOutcome.RateLimited(2_000, "t"));
    for (int i = 1; i < 4; i++) {
      linq.calls.get(i).settle(answer(linq.calls.get(i).address, true));
    }
    assertThat(linq.calls).as("nothing sent inside the pause").hasSize(4);
    clock.advance(1_999);
    assertThat(linq.calls).hasSize(4);
    clock.advance(1);
    assertThat(linq.calls).as("one request when the pause ends").hasSize(5);
    assertThat(linq.calls.get(4).sentAt).isEqualTo(2_000);
    assertThat(linq.calls.get(4).address).as("the requeued check goes first").isEqualTo(linq.calls.get(0).address);
    linq.calls.get(4).settle(answer(linq.calls.get(4).address, true));
    assertThat(linq.open()).as("the window doubles with each answer after the pause").hasSize(2);
  }

  @Test
  @DisplayName("checks requeued by 429s keep their admission order")
  void requeuedChecksKeepTheirOrder() {
    Dispatcher dispatcher = dispatcher(100, 3);
    for (int i = 0; i < 5; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    linq.calls.get(2).settle(new LinqOutcome.RateLimited(1_000, null));
    linq.calls.get(0).settle(new LinqOutcome.RateLimited(1_000, null));
    linq.calls.get(1).settle(new LinqOutcome.RateLimited(1_000, null));
    List<String> order = new ArrayList<>();
    clock.advance(1_000);
    while (!linq.open().isEmpty()) {
      ScriptedLinq.Call next = linq.open().get(0);
      order.add(next.address);
      next.settle(answer(next.address, true));
    }
    assertThat(order).containsExactly("+12025550000", "+12025550001", "+12025550002", "+12025550003",
        "+12025550004");
  }

  @Test
  @DisplayName("a check whose deadline falls inside a pause is answered 429/1007 at once")
  void deadlineInsidePauseIsAnsweredImmediately() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> first = dispatcher.submit(check(0, 60_000));
    Future<CheckResult> waiting = dispatcher.submit(check(1, 3_000));
    linq.calls.get(0).settle(new LinqOutcome.RateLimited(10_000, null));
    CheckException error = failureOf(waiting);
    assertThat(error.status()).isEqualTo(429);
    assertThat(error.code()).isEqualTo(1007);
    assertThat(error.retryAfterSeconds()).isEqualTo(10);
    assertThat(first.isComplete()).as("the long-deadline check waits for the pause").isFalse();

    Future<CheckResult> admittedDuringPause = dispatcher.submit(check(2, 2_000));
    assertThat(failureOf(admittedDuringPause).retryAfterSeconds()).isEqualTo(10);
  }

  @Test
  @DisplayName("transient faults are retried with backoff, then answered 502/9003")
  void transientFaultsExhaustAttempts() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 500"));
    clock.advance(99);
    assertThat(linq.calls).hasSize(1);
    clock.advance(1);
    assertThat(linq.calls).as("retry after the backoff").hasSize(2);
    linq.calls.get(1).settle(LinqOutcome.TransientFault.of(Kind.CONNECTION, "reset"));
    clock.advance(200);
    assertThat(linq.calls).hasSize(3);
    linq.calls.get(2).settle(LinqOutcome.TransientFault.of(Kind.BAD_BODY, "garbage"));
    CheckException error = failureOf(result);
    assertThat(error.status()).isEqualTo(502);
    assertThat(error.code()).isEqualTo(9003);
    assertThat(error.retryHelps()).isFalse();
  }

  @Test
  @DisplayName("a fault then an answer: the caller gets the answer")
  void transientFaultRecovered() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 500"));
    clock.advance(100);
    linq.calls.get(1).settle(answer("+12025550000", false));
    assertThat(result.result().answer().available()).isFalse();
  }

  @Test
  @DisplayName("timeouts that exhaust the attempts give 504/9004")
  void timeoutsGive504() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000));
    for (int attempt = 0; attempt < 3; attempt++) {
      linq.calls.get(attempt).settle(LinqOutcome.TransientFault.of(Kind.TIMEOUT, "idle"));
      clock.advance(1_000);
    }
    assertThat(failureOf(result).status()).isEqualTo(504);
    assertThat(failureOf(result).code()).isEqualTo(9004);
  }

  @Test
  @DisplayName("no retry is scheduled past the deadline: the fault is answered at once")
  void backoffBeyondDeadlineAnswersNow() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 50));
    linq.calls.get(0).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 503"));
    assertThat(failureOf(result).code()).isEqualTo(9003);
    assertThat(linq.calls).hasSize(1);
  }

  @Test
  @DisplayName("Linq silent past the deadline: 504/9004 at the deadline, and the permit returns when it answers")
  void deadlineWhileInFlight() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 1_000));
    dispatcher.submit(check(1, 60_000));
    clock.advance(1_000);
    assertThat(failureOf(result).status()).isEqualTo(504);
    assertThat(dispatcher.inFlight()).isEqualTo(1);
    linq.calls.get(0).settle(answer("+12025550000", true));
    assertThat(dispatcher.inFlight()).isEqualTo(1);
    assertThat(linq.calls).as("the next check goes once the permit is back").hasSize(2);
  }

  @Test
  @DisplayName("a queued check whose deadline passes (no pause) is answered 504/9004")
  void deadlineWhileQueued() {
    Dispatcher dispatcher = dispatcher(100, 1);
    dispatcher.submit(check(0, 60_000));
    Future<CheckResult> queued = dispatcher.submit(check(1, 500));
    clock.advance(500);
    assertThat(failureOf(queued).code()).isEqualTo(9004);
    assertThat(dispatcher.queued()).isZero();
  }

  @Test
  @DisplayName("Linq's 4xx about the request reaches the caller with Linq's status and code")
  void requestRejectionPassesThrough() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(new LinqOutcome.Rejected(new CheckException(403, 2006, "not your line"), "t"));
    assertThat(failureOf(result).status()).isEqualTo(403);
    assertThat(failureOf(result).code()).isEqualTo(2006);
  }

  @Test
  @DisplayName("an RCS sender-line fault is 503 with Linq's code: unknown, not no")
  void senderLineFaultIsUnknown() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(new LinqOutcome.SenderLineFault(4009, "line down", "t"));
    assertThat(failureOf(result).status()).isEqualTo(503);
    assertThat(failureOf(result).code()).isEqualTo(4009);
    assertThat(failureOf(result).retryAfterSeconds()).isEqualTo(5);
  }

  @Test
  @DisplayName("credentials rejected: 502 for the check, the queue and new checks; a probe restores service")
  void credentialsRejectedThenRecovered() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> sent = dispatcher.submit(check(0, 60_000));
    Future<CheckResult> queued = dispatcher.submit(check(1, 60_000));
    linq.probeAnswers(new LinqOutcome.CredentialsRejected(401, 2004, "bad key", null));
    linq.calls.get(0).settle(new LinqOutcome.CredentialsRejected(401, 2004, "bad key", null));
    assertThat(failureOf(sent).status()).isEqualTo(502);
    assertThat(failureOf(sent).code()).isEqualTo(2004);
    assertThat(failureOf(queued).status()).isEqualTo(502);
    assertThat(failureOf(dispatcher.submit(check(2, 60_000))).status()).isEqualTo(502);
    assertThat(linq.calls).hasSize(1);

    clock.advance(1_000);
    assertThat(linq.probes).isEqualTo(1);
    assertThat(dispatcher.credentials().rejection()).isNotNull();
    linq.probeAnswers(new LinqOutcome.SenderLines(List.of(), null));
    clock.advance(1_000);
    assertThat(dispatcher.credentials().rejection()).isNull();
    Future<CheckResult> after = dispatcher.submit(check(3, 60_000));
    linq.calls.get(1).settle(answer("+12025550003", true));
    assertThat(after.succeeded()).isTrue();
  }

  @Test
  @DisplayName("drain refuses new checks with 503/9002 and completes when the accepted ones are answered")
  void drainAnswersEverything() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> inFlight = dispatcher.submit(check(0, 60_000));
    Future<CheckResult> queued = dispatcher.submit(check(1, 60_000));
    Future<Void> drained = dispatcher.drain(CheckException.shuttingDown(1));
    CheckException refused = failureOf(dispatcher.submit(check(2, 60_000)));
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.code()).isEqualTo(9002);
    linq.calls.get(0).settle(answer("+12025550000", true));
    assertThat(inFlight.succeeded()).isTrue();
    assertThat(drained.isComplete()).isFalse();
    dispatcher.failUnanswered(CheckException.shuttingDown(1));
    assertThat(failureOf(queued).code()).isEqualTo(9002);
    assertThat(drained.succeeded()).isTrue();
    assertThat(dispatcher.unanswered()).isZero();
  }

  @Test
  @DisplayName("a cluster's owner handing over answers its queued checks 9002 and lets those in flight finish")
  void failQueuedLeavesInFlightAlone() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> inFlight = dispatcher.submit(check(0, 60_000));
    Future<CheckResult> queued = dispatcher.submit(check(1, 60_000));
    assertThat(linq.calls).hasSize(1);

    dispatcher.failQueued(CheckException.shuttingDown(1));
    assertThat(failureOf(queued).code()).isEqualTo(9002);
    assertThat(inFlight.isComplete()).isFalse();
    linq.calls.get(0).settle(answer("+12025550000", true));
    assertThat(inFlight.result().answer().available()).isTrue();
    assertThat(linq.calls).as("the queued check was never sent").hasSize(1);
    assertThat(dispatcher.unanswered()).isZero();
  }

  @Test
  @DisplayName("taking over at a known limit starts at the steady pace: Linq's bucket may be as empty as the last owner left it")
  void takeOverAtKnownLimitStartsSteady() {
    Dispatcher fresh = dispatcher(100, 16, SendPacer.fixed(10, 5));
    for (int i = 0; i < 5; i++) {
      fresh.submit(check(i, 60_000));
    }
    assertThat(linq.calls).as("a fresh start may burst").hasSize(5);

    linq.calls.clear();
    Dispatcher heir = dispatcher(100, 16, SendPacer.fixed(10, 5));
    assertThat(heir.learnt()).as("a known limit has nothing to hand over").isEmpty();
    heir.takeOver(Map.of());
    for (int i = 10; i < 15; i++) {
      heir.submit(check(i, 60_000));
    }
    assertThat(linq.calls).hasSize(1);
    clock.advance(400);
    assertThat(linq.calls).extracting(call -> call.sentAt).containsExactly(0L, 100L, 200L, 300L, 400L);
  }

  @Test
  @DisplayName("taking over an unknown limit adopts the pace learnt before, by budget, instead of sending unpaced")
  void takeOverAdoptsLearntPace() {
    Dispatcher heir = dispatcher(100, 16, SendPacer.adaptive());
    assertThat(heir.rate()).isInfinite();
    LimitEstimate learnt = new LimitEstimate(LimitEstimate.Shape.BUCKET, 20, 20, 8, 0);
    heir.takeOver(Map.of("account", learnt));
    assertThat(heir.rate()).as("tracking just below the learnt rate").isCloseTo(20 * 0.99, within(1e-9));
    assertThat(heir.learnt()).containsEntry("account", learnt);
    for (int i = 0; i < 5; i++) {
      heir.submit(check(i, 60_000));
    }
    clock.advance(250);
    assertThat(linq.calls).as("one at once, then one per 1/19.8 s: no burst").hasSize(5);
    for (int i = 1; i < 5; i++) {
      assertThat(linq.calls.get(i).sentAt - linq.calls.get(i - 1).sentAt).isBetween(50L, 51L);
    }
  }

  @Test
  @DisplayName("an outside pause (another node's 429) stops sending like a local one")
  void outsidePauseIsHonoured() {
    Dispatcher dispatcher = dispatcher(100, 2);
    dispatcher.pauseUntil(clock.now() + 3_000);
    dispatcher.submit(check(0, 60_000));
    assertThat(linq.calls).isEmpty();
    clock.advance(3_000);
    assertThat(linq.calls).hasSize(1);
  }

  @Test
  @DisplayName("identical checks in flight share one upstream call; joiners are told they were coalesced")
  void identicalChecksAreCoalesced() {
    Dispatcher dispatcher = dispatcher(100, 4);
    List<Future<CheckResult>> results = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      results.add(dispatcher.submit(check(1, 30_000)));
    }
    assertThat(linq.calls).hasSize(1);
    linq.calls.get(0).settle(answer("+12025550001", true));
    assertThat(results).allSatisfy(r -> assertThat(r.result().answer().available()).isTrue());
    assertThat(results.get(0).result().source()).isEqualTo(CheckResult.Source.MISS);
    assertThat(results.subList(1, 1_000)).allSatisfy(
        r -> assertThat(r.result().source()).isEqualTo(CheckResult.Source.COALESCED));
    assertThat(answered).containsKey(check(1, 0).key());
  }

  @Test
  @DisplayName("a failure reaches only the callers already waiting; the next caller starts a new call")
  void failureReachesOnlyWaitingCallers() {
    Dispatcher dispatcher = dispatcher(100, 4);
    Future<CheckResult> first = dispatcher.submit(check(1, 30_000));
    Future<CheckResult> second = dispatcher.submit(check(1, 30_000));
    linq.calls.get(0).settle(new LinqOutcome.Rejected(new CheckException(403, 2006, "no"), null));
    assertThat(failureOf(first).code()).isEqualTo(2006);
    assertThat(failureOf(second).code()).isEqualTo(2006);
    Future<CheckResult> later = dispatcher.submit(check(1, 30_000));
    assertThat(linq.calls).hasSize(2);
    linq.calls.get(1).settle(answer("+12025550001", false));
    assertThat(later.result().source()).isEqualTo(CheckResult.Source.MISS);
  }

  @Test
  @DisplayName("each coalesced caller is answered at its own deadline; the call goes on for the others")
  void coalescedCallersKeepTheirOwnDeadlines() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> shortOne = dispatcher.submit(check(1, 500));
    Future<CheckResult> longOne = dispatcher.submit(check(1, 5_000));
    clock.advance(500);
    assertThat(failureOf(shortOne).code()).isEqualTo(9004);
    assertThat(longOne.isComplete()).isFalse();
    linq.calls.get(0).settle(answer("+12025550001", true));
    assertThat(longOne.result().answer().available()).isTrue();
  }

  @Test
  @DisplayName("a queued check whose every caller gave up is dropped and costs no upstream call")
  void abandonedQueuedCheckSpendsNoQuota() {
    Dispatcher dispatcher = dispatcher(100, 1);
    dispatcher.submit(check(0, 60_000));
    dispatcher.submit(check(1, 300));
    clock.advance(300);
    assertThat(dispatcher.queued()).isZero();
    linq.calls.get(0).settle(answer("+12025550000", true));
    assertThat(linq.calls).hasSize(1);
  }

  @Test
  @DisplayName("an answer arriving after its caller gave up still fills the cache")
  void lateAnswerIsCached() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> result = dispatcher.submit(check(3, 100));
    clock.advance(100);
    assertThat(failureOf(result).code()).isEqualTo(9004);
    linq.calls.get(0).settle(answer("+12025550003", true));
    assertThat(answered).containsKey(check(3, 0).key());
  }

  @Test
  @DisplayName("a known limit paces sends exactly: the burst at once, then one every 1/rate")
  void knownLimitPacesExactly() {
    Dispatcher dispatcher = dispatcher(100, 50, SendPacer.fixed(10, 3));
    for (int i = 0; i < 6; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    assertThat(linq.calls).extracting(c -> c.sentAt).containsExactly(0L, 0L, 0L);
    clock.advance(300);
    assertThat(linq.calls).extracting(c -> c.sentAt).containsExactly(0L, 0L, 0L, 100L, 200L, 300L);
  }

  @Test
  @DisplayName("admission by time: beyond the pace 429/1007, beyond the backlog 503/9001, with the projected wait")
  void admissionByProjectedWait() {
    Dispatcher dispatcher = dispatcher(1_000, 50, SendPacer.fixed(1, 1));
    dispatcher.submit(check(0, 60_000));
    CheckException pace = failureOf(dispatcher.submit(check(1, 800)));
    assertThat(pace.status()).isEqualTo(429);
    assertThat(pace.retryAfterSeconds()).isEqualTo(1);
    for (int i = 2; i < 12; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    CheckException backlog = failureOf(dispatcher.submit(check(99, 5_000)));
    assertThat(backlog.status()).isEqualTo(503);
    assertThat(backlog.code()).isEqualTo(9001);
    assertThat(backlog.retryAfterSeconds()).isGreaterThanOrEqualTo(10);
    assertThat(dispatcher.submit(check(100, 60_000)).isComplete()).as("a patient check is queued").isFalse();
  }

  @Test
  @DisplayName("per-line limits: checks without from are spread over the account's lines")
  void checksWithoutFromAreSpreadOverLines() {
    Dispatcher dispatcher = perLineDispatcher(() -> SendPacer.fixed(1, 1));
    for (int i = 0; i < 6; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    assertThat(linq.calls).extracting(c -> c.from).containsExactlyInAnyOrderElementsOf(LINES);
    clock.advance(1_000);
    assertThat(linq.calls).hasSize(6);
    assertThat(linq.calls.subList(3, 6)).extracting(c -> c.from).containsExactlyInAnyOrderElementsOf(LINES);
  }

  @Test
  @DisplayName("per-line limits: a 429 pauses only its line; the others keep sending")
  void rateLimitPausesOnlyItsLine() {
    Dispatcher dispatcher = perLineDispatcher(SendPacer::unlimited);
    for (int i = 0; i < 3; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    ScriptedLinq.Call throttled = linq.calls.get(0);
    throttled.settle(new LinqOutcome.RateLimited(5_000, null));
    for (int i = 1; i < 3; i++) {
      linq.calls.get(i).settle(answer(linq.calls.get(i).address, true));
    }
    for (int i = 3; i < 7; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    assertThat(linq.calls.subList(3, linq.calls.size())).extracting(c -> c.from)
        .as("nothing on the paused line").doesNotContain(throttled.from).isNotEmpty();
  }

  @Test
  @DisplayName("a request whose connection opens during a 429's pause is written when the pause ends, not inside it")
  void aRequestWaitingForItsConnectionLeavesAfterThePause() {
    Dispatcher dispatcher = dispatcher(100, 4);
    linq.connectLater();
    dispatcher.submit(check(1, 60_000));
    dispatcher.submit(check(2, 60_000));
    ScriptedLinq.Call first = linq.calls.get(0);
    ScriptedLinq.Call waiting = linq.calls.get(1);
    first.connect();
    assertThat(first.leftAt).isZero();
    clock.advance(10);
    first.settle(new LinqOutcome.RateLimited(1_000, null)); // the pause runs to 1,010
    clock.advance(40);
    waiting.connect(); // its connection is there at 50, inside the pause
    clock.advance(959);
    assertThat(waiting.leftAt).as("held for the pause").isEqualTo(-1);
    clock.advance(1);
    assertThat(waiting.leftAt).isEqualTo(1_010);
    waiting.settle(answer(waiting.address, true));
    assertThat(answered).hasSize(1);
  }

  @Test
  @DisplayName("per-line limits: a caller's from is respected, even while that line is paused")
  void explicitFromIsRespected() {
    Dispatcher dispatcher = perLineDispatcher(SendPacer::unlimited);
    CheckRequest pinned = new CheckRequest(Service.IMESSAGE, "+12025550009", LINES.get(1), 60_000,
        Priority.INTERACTIVE, Freshness.DEFAULT, "req-pinned", "test");
    dispatcher.submit(pinned);
    assertThat(linq.calls.get(0).from).isEqualTo(LINES.get(1));
    linq.calls.get(0).settle(new LinqOutcome.RateLimited(2_000, null));
    clock.advance(1_999);
    assertThat(linq.calls).hasSize(1);
    clock.advance(1);
    assertThat(linq.calls).hasSize(2);
    assertThat(linq.calls.get(1).from).isEqualTo(LINES.get(1));
  }

  @Test
  @DisplayName("an RCS sender-line fault is retried on another line, and that line rests from RCS")
  void senderLineFaultMovesToAnotherLine() {
    Dispatcher dispatcher = perLineDispatcher(SendPacer::unlimited);
    CheckRequest rcs = new CheckRequest(Service.RCS, "+12025550042", null, 60_000, Priority.INTERACTIVE,
        Freshness.DEFAULT, "req-rcs", "test");
    Future<CheckResult> result = dispatcher.submit(rcs);
    String faulty = linq.calls.get(0).from;
    linq.calls.get(0).settle(new LinqOutcome.SenderLineFault(4009, "line down", null));
    assertThat(linq.calls).hasSize(2);
    assertThat(linq.calls.get(1).from).isNotEqualTo(faulty);
    linq.calls.get(1).settle(answer("+12025550042", true));
    assertThat(result.result().answer().available()).isTrue();

    for (int i = 0; i < 6; i++) {
      dispatcher.submit(new CheckRequest(Service.RCS, "+1202555010" + i, null, 60_000, Priority.INTERACTIVE,
          Freshness.DEFAULT, "r" + i, "test"));
    }
    assertThat(linq.calls.subList(2, linq.calls.size())).extracting(c -> c.from).doesNotContain(faulty);
  }

  @Test
  @DisplayName("a caller that went away withdraws its queued checks: answered 499/9008, never sent to Linq")
  void cancelledChecksAreNeverSent() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckResult> inFlight = dispatcher.submit(check(0, 60_000));
    Future<CheckResult> queued = dispatcher.submit(new CheckRequest(Service.IMESSAGE, "+12025550001", null, 60_000,
        Priority.BULK, Freshness.DEFAULT, "batch-1", "test"));
    Future<CheckResult> other = dispatcher.submit(check(2, 60_000));
    assertThat(dispatcher.cancel("batch-1")).isEqualTo(1);
    assertThat(failureOf(queued).code()).isEqualTo(9008);
    linq.calls.get(0).settle(answer("+12025550000", true));
    assertThat(inFlight.succeeded()).isTrue();
    assertThat(linq.calls).extracting(c -> c.address).doesNotContain("+12025550001");
    linq.calls.get(1).settle(answer("+12025550002", true));
    assertThat(other.succeeded()).isTrue();
  }

  // ---- the README's figures --------------------------------------------------------------------------------

  @Test
  @DisplayName("during a bulk flood paced at 40/s, interactive checks take the next sends, 1/rate apart, but for every fifth, which bulk keeps; the flood still goes at the limit")
  void interactiveChecksOvertakeAPacedBulkFlood() {
    Dispatcher dispatcher = dispatcher(1_000, 1_000, SendPacer.fixed(40, 1));
    for (int i = 0; i < 200; i++) {
      dispatcher.submit(check(i, 60_000, Priority.BULK, Service.IMESSAGE));
    }
    clock.advance(500);
    assertThat(linq.calls).as("one send every 25 ms from 0 to 500").hasSize(21);

    List<Future<CheckResult>> interactive = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      interactive.add(dispatcher.submit(check(1_000 + i, 2_000)));
    }
    clock.advance(250);
    List<ScriptedLinq.Call> next = linq.calls.subList(21, 31);
    assertThat(next).extracting(c -> c.sentAt).containsExactly(525L, 550L, 575L, 600L, 625L, 650L, 675L, 700L, 725L,
        750L);
    assertThat(next.stream().map(c -> c.address.compareTo("+12025551000") >= 0 ? "I" : "B").reduce("", String::concat))
        .as("lanes").isEqualTo("IIIIBIIIIB");
    next.stream().filter(c -> c.address.compareTo("+12025551000") >= 0).forEach(c -> c.settle(answer(c.address, true)));
    assertThat(interactive).allSatisfy(f -> assertThat(f.succeeded()).isTrue());

    clock.advance(10_000);
    assertThat(linq.calls).hasSize(208);
    assertThat(linq.calls.get(207).sentAt).as("208 sends at 40/s: the last at 207 x 25 ms").isEqualTo(5_175);
  }

  @Test
  @DisplayName("transient faults at the defaults: 6 attempts, each retry after full-jitter backoff from 100 ms doubling (at most 2 s), then 502/9003")
  void transientFaultsFollowTheDefaultBackoff() {
    double topOfJitter = Math.nextDown(1.0);
    Dispatcher dispatcher = new Dispatcher(defaults(false), linq, clock,
        BackoffPolicy.exponentialFullJitter(EngineOptions.DEFAULT_BACKOFF_BASE_MILLIS,
            EngineOptions.DEFAULT_BACKOFF_CAP_MILLIS, () -> topOfJitter),
        failures -> 1_000, SendPacer::unlimited, recorder(), request -> null);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000));
    long[] backoffs = {100, 200, 400, 800, 1_600};
    for (int retry = 0; retry < backoffs.length; retry++) {
      linq.calls.get(retry).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 500"));
      clock.advance(backoffs[retry] - 1);
      assertThat(linq.calls).as("retry %d not before its backoff", retry + 1).hasSize(retry + 1);
      clock.advance(1);
      assertThat(linq.calls).as("retry %d after %d ms", retry + 1, backoffs[retry]).hasSize(retry + 2);
    }
    assertThat(linq.calls).extracting(c -> c.sentAt).containsExactly(0L, 100L, 300L, 700L, 1_500L, 3_100L);
    assertThat(result.isComplete()).isFalse();
    linq.calls.get(5).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 500"));
    assertThat(linq.calls).as("no seventh attempt").hasSize(EngineOptions.DEFAULT_MAX_ATTEMPTS);
    CheckException error = failureOf(result);
    assertThat(error.status()).isEqualTo(502);
    assertThat(error.code()).isEqualTo(9003);
  }

  @Test
  @DisplayName("the backoff's ceiling doubles from 100 ms and stops at 2 s")
  void defaultBackoffCeilings() {
    BackoffPolicy top = BackoffPolicy.exponentialFullJitter(EngineOptions.DEFAULT_BACKOFF_BASE_MILLIS,
        EngineOptions.DEFAULT_BACKOFF_CAP_MILLIS, () -> Math.nextDown(1.0));
    assertThat(List.of(1, 2, 3, 4, 5, 6, 7)).extracting(top::delayMillis)
        .containsExactly(100L, 200L, 400L, 800L, 1_600L, 2_000L, 2_000L);
  }

  @Test
  @DisplayName("per-line limits: during a 3 s pause of one line every check goes at once to the others; at 3 s the line takes checks again")
  void aPausedLineIsSkippedForItsPauseOnly() {
    Dispatcher dispatcher = perLineDispatcher(SendPacer::unlimited);
    dispatcher.submit(check(0, 60_000));
    ScriptedLinq.Call throttled = linq.calls.get(0);
    throttled.settle(new LinqOutcome.RateLimited(3_000, null));
    assertThat(answerLast().from).as("requeued and sent at once on another line").isNotEqualTo(throttled.from);

    for (int i = 1; i < 30; i++) { // a check every 100 ms while the pause lasts
      clock.advance(100);
      dispatcher.submit(check(i, 60_000));
      ScriptedLinq.Call call = answerLast();
      assertThat(call.sentAt).as("check %d sent at once", i).isEqualTo(clock.now());
      assertThat(call.from).as("check %d", i).isNotEqualTo(throttled.from);
    }
    assertThat(linq.calls).hasSize(31);

    clock.advance(100);
    assertThat(clock.now()).isEqualTo(3_000);
    for (int i = 30; i < 33; i++) {
      dispatcher.submit(check(i, 60_000));
    }
    assertThat(linq.calls.subList(31, 34)).extracting(c -> c.from).containsExactlyInAnyOrderElementsOf(LINES);
  }

  @Test
  @DisplayName("an RCS sender-line fault at the defaults: retried on another line, and that line rests from RCS for 5 minutes (not from iMessage)")
  void faultyLineRestsFromRcsForFiveMinutes() {
    Dispatcher dispatcher = perLineDispatcher(defaults(true), SendPacer::unlimited);
    Future<CheckResult> result = dispatcher.submit(check(0, 60_000, Priority.INTERACTIVE, Service.RCS));
    String faulty = linq.calls.get(0).from;
    linq.calls.get(0).settle(new LinqOutcome.SenderLineFault(4009, "line down", null));
    assertThat(answerLast().from).isNotEqualTo(faulty);
    assertThat(result.succeeded()).isTrue();

    clock.advance(EngineOptions.DEFAULT_SENDER_LINE_REST_MILLIS - 1);
    assertThat(EngineOptions.DEFAULT_SENDER_LINE_REST_MILLIS).isEqualTo(5 * 60_000);
    for (int i = 1; i <= 6; i++) {
      dispatcher.submit(check(i, 60_000, Priority.INTERACTIVE, Service.RCS));
      assertThat(answerLast().from).as("RCS check %d, 1 ms before the rest ends", i).isNotEqualTo(faulty);
    }
    List<String> imessage = new ArrayList<>();
    for (int i = 7; i < 10; i++) {
      dispatcher.submit(check(i, 60_000));
      imessage.add(answerLast().from);
    }
    assertThat(imessage).as("iMessage still uses the line").contains(faulty);

    clock.advance(1);
    List<String> rcs = new ArrayList<>();
    for (int i = 10; i < 13; i++) {
      dispatcher.submit(check(i, 60_000, Priority.INTERACTIVE, Service.RCS));
      rcs.add(answerLast().from);
    }
    assertThat(rcs).as("after 5 minutes the line takes RCS again").contains(faulty);
  }

  @Test
  @DisplayName("a check whose caller named the line gets that line's RCS fault: 503 with the default Retry-After of 5 s")
  void senderLineFaultOnNamedLineIsTheCallersAnswer() {
    Dispatcher dispatcher = perLineDispatcher(defaults(true), SendPacer::unlimited);
    Future<CheckResult> result = dispatcher.submit(new CheckRequest(Service.RCS, "+12025550042", LINES.get(2),
        clock.now() + 60_000, Priority.INTERACTIVE, Freshness.DEFAULT, "req-named", "test"));
    linq.calls.get(0).settle(new LinqOutcome.SenderLineFault(4009, "line down", null));
    CheckException error = failureOf(result);
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.code()).isEqualTo(4009);
    assertThat(error.retryAfterSeconds()).isEqualTo(EngineOptions.DEFAULT_SENDER_LINE_RETRY_AFTER_SECONDS).isEqualTo(5);
    assertThat(linq.calls).hasSize(1);
  }
}
