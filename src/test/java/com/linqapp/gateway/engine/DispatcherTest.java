package com.linqapp.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault.Kind;
import com.linqapp.gateway.support.FakeScheduler;
import com.linqapp.gateway.support.ScriptedLinq;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The dispatcher on virtual time: exact send times, no sleeping. */
class DispatcherTest {

  private final FakeScheduler clock = new FakeScheduler();
  private final ScriptedLinq linq = new ScriptedLinq(clock);

  private Dispatcher dispatcher(int maxQueue, int maxConcurrency) {
    return new Dispatcher(new EngineOptions(maxQueue, maxConcurrency, 3, 100, 2_000, 5), linq, clock,
        failures -> 100L * failures, failures -> 1_000);
  }

  private CheckRequest check(int i, long timeoutMillis) {
    return new CheckRequest(Service.IMESSAGE, "+1202555" + String.format("%04d", i), null,
        clock.now() + timeoutMillis, Priority.INTERACTIVE, null, "req-" + i, "test");
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
    Future<CheckAnswer> shed = dispatcher.submit(check(3, 30_000));
    CheckException error = failureOf(shed);
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.code()).isEqualTo(9001);
    assertThat(error.retryAfterSeconds()).isPositive();
  }

  @Test
  @DisplayName("an answer carries the address as the request had it")
  void answerEchoesRequestAddress() {
    Dispatcher dispatcher = dispatcher(10, 1);
    Future<CheckAnswer> result = dispatcher.submit(check(7, 30_000));
    linq.calls.get(0).settle(new LinqOutcome.Answered(new CheckAnswer("something else", true, "r", "iMessage"), null));
    assertThat(result.result()).isEqualTo(new CheckAnswer("+12025550007", true, "r", "iMessage"));
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
    Future<CheckAnswer> first = dispatcher.submit(check(0, 60_000));
    Future<CheckAnswer> waiting = dispatcher.submit(check(1, 3_000));
    linq.calls.get(0).settle(new LinqOutcome.RateLimited(10_000, null));
    CheckException error = failureOf(waiting);
    assertThat(error.status()).isEqualTo(429);
    assertThat(error.code()).isEqualTo(1007);
    assertThat(error.retryAfterSeconds()).isEqualTo(10);
    assertThat(first.isComplete()).as("the long-deadline check waits for the pause").isFalse();

    Future<CheckAnswer> admittedDuringPause = dispatcher.submit(check(2, 2_000));
    assertThat(failureOf(admittedDuringPause).retryAfterSeconds()).isEqualTo(10);
  }

  @Test
  @DisplayName("transient faults are retried with backoff, then answered 502/9003")
  void transientFaultsExhaustAttempts() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> result = dispatcher.submit(check(0, 60_000));
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
    Future<CheckAnswer> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 500"));
    clock.advance(100);
    linq.calls.get(1).settle(answer("+12025550000", false));
    assertThat(result.result().available()).isFalse();
  }

  @Test
  @DisplayName("timeouts that exhaust the attempts give 504/9004")
  void timeoutsGive504() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> result = dispatcher.submit(check(0, 60_000));
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
    Future<CheckAnswer> result = dispatcher.submit(check(0, 50));
    linq.calls.get(0).settle(LinqOutcome.TransientFault.of(Kind.SERVER_ERROR, "HTTP 503"));
    assertThat(failureOf(result).code()).isEqualTo(9003);
    assertThat(linq.calls).hasSize(1);
  }

  @Test
  @DisplayName("Linq silent past the deadline: 504/9004 at the deadline, and the permit returns when it answers")
  void deadlineWhileInFlight() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> result = dispatcher.submit(check(0, 1_000));
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
    Future<CheckAnswer> queued = dispatcher.submit(check(1, 500));
    clock.advance(500);
    assertThat(failureOf(queued).code()).isEqualTo(9004);
    assertThat(dispatcher.queued()).isZero();
  }

  @Test
  @DisplayName("Linq's 4xx about the request reaches the caller with Linq's status and code")
  void requestRejectionPassesThrough() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(new LinqOutcome.Rejected(new CheckException(403, 2006, "not your line"), "t"));
    assertThat(failureOf(result).status()).isEqualTo(403);
    assertThat(failureOf(result).code()).isEqualTo(2006);
  }

  @Test
  @DisplayName("an RCS sender-line fault is 503 with Linq's code: unknown, not no")
  void senderLineFaultIsUnknown() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> result = dispatcher.submit(check(0, 60_000));
    linq.calls.get(0).settle(new LinqOutcome.SenderLineFault(4009, "line down", "t"));
    assertThat(failureOf(result).status()).isEqualTo(503);
    assertThat(failureOf(result).code()).isEqualTo(4009);
    assertThat(failureOf(result).retryAfterSeconds()).isEqualTo(5);
  }

  @Test
  @DisplayName("credentials rejected: 502 for the check, the queue and new checks; a probe restores service")
  void credentialsRejectedThenRecovered() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> sent = dispatcher.submit(check(0, 60_000));
    Future<CheckAnswer> queued = dispatcher.submit(check(1, 60_000));
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
    Future<CheckAnswer> after = dispatcher.submit(check(3, 60_000));
    linq.calls.get(1).settle(answer("+12025550003", true));
    assertThat(after.succeeded()).isTrue();
  }

  @Test
  @DisplayName("drain refuses new checks with 503/9002 and completes when the accepted ones are answered")
  void drainAnswersEverything() {
    Dispatcher dispatcher = dispatcher(100, 1);
    Future<CheckAnswer> inFlight = dispatcher.submit(check(0, 60_000));
    Future<CheckAnswer> queued = dispatcher.submit(check(1, 60_000));
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
  @DisplayName("an outside pause (another node's 429) stops sending like a local one")
  void outsidePauseIsHonoured() {
    Dispatcher dispatcher = dispatcher(100, 2);
    dispatcher.gate().pauseUntil(clock.now() + 3_000);
    dispatcher.submit(check(0, 60_000));
    assertThat(linq.calls).isEmpty();
    clock.advance(3_000);
    assertThat(linq.calls).hasSize(1);
  }
}
