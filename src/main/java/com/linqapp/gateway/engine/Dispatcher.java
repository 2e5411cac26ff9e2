package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault;
import com.linqapp.gateway.log.Mask;
import com.linqapp.gateway.log.RequestIdConverter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The one place where checks wait for, and are sent to, Linq.
 *
 * <h2>Design</h2>
 * Every accepted check becomes a {@link Pending} with an admission sequence number and exactly one
 * deadline timer. It lives in one of four states — queued, in flight, backing off, done — and leaves
 * through {@link #complete} or {@link #fail}, which are idempotent, so whichever of the deadline, the
 * upstream outcome or a shutdown comes first answers the caller and the others find it done. That is
 * how "exactly one answer per accepted check" holds without reasoning about every interleaving.
 *
 * <p>The queue is ordered by admission sequence, not arrival in the queue: a check put back after a
 * 429 (or a backoff) returns to its original place, so requeued checks keep their order even when
 * several 429s come back out of order.
 *
 * <p>{@link #pump} is the only sender. It runs after every event that could let work proceed (an
 * admission, an outcome, a timer) and sends while the {@link SendGate} allows; when the gate is
 * closed by a pause it arms a single wake-up timer for the pause's end. There is no polling.
 *
 * <p>A 429 is not a failed attempt: the check is requeued and the whole dispatcher pauses (Linq's
 * limit is the account's), and checks whose deadline falls inside the pause are answered at once
 * with 429/1007 instead of waiting for a send that cannot happen in time. Transient faults (5xx,
 * resets, timeouts, bad bodies) are retried with jittered exponential backoff within the deadline
 * and the attempt budget, then answered 502/9003 (504/9004 when the last fault was a timeout).
 *
 * <p>Confined to one event loop (the engine verticle's); nothing here is thread-safe, nothing blocks.
 */
public final class Dispatcher {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final EngineOptions options;
  private final LinqClient linq;
  private final Scheduler scheduler;
  private final BackoffPolicy backoff;
  private final SendGate gate;
  private final CredentialsGuard credentials;
  private final TreeMap<Long, Pending> queue = new TreeMap<>();
  /** Every accepted check not yet answered, whatever its state. */
  private final Map<Long, Pending> unanswered = new HashMap<>();
  private long nextSeq;
  private int inFlight;
  private long wakeUpTimer = -1;
  private long wakeUpAt = Long.MAX_VALUE;
  private CheckException refusal;
  private Promise<Void> allAnswered;

  public Dispatcher(EngineOptions options, LinqClient linq, Scheduler scheduler, BackoffPolicy backoff,
                    BackoffPolicy credentialsProbeBackoff) {
    this.options = options;
    this.linq = linq;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.gate = new SendGate(options.maxConcurrency());
    this.credentials = new CredentialsGuard(linq, scheduler, credentialsProbeBackoff, this::pump);
  }

  /**
   * Admits a check or refuses it at once.
   *
   * @return the answer (address as in the request), or a {@link CheckException}
   */
  public Future<CheckAnswer> submit(CheckRequest request) {
    long now = scheduler.now();
    CheckException refused = admissionFailure(request, now);
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Pending pending = new Pending(nextSeq++, request);
    pending.deadlineTimer = scheduler.schedule(request.deadlineMillis() - now, () -> onDeadline(pending));
    queue.put(pending.seq, pending);
    unanswered.put(pending.seq, pending);
    pump();
    return pending.promise.future();
  }

  private CheckException admissionFailure(CheckRequest request, long now) {
    if (refusal != null) {
      return refusal;
    }
    if (credentials.rejection() != null) {
      return credentials.rejection();
    }
    if (queue.size() >= options.maxQueue()) {
      long wait = gate.paused(now) ? gate.pausedUntil() - now : 1_000;
      return CheckException.overloaded("Too many checks waiting for Linq; retry later", wait);
    }
    if (gate.paused(now) && gate.pausedUntil() >= request.deadlineMillis()) {
      return CheckException.rateLimited(gate.pausedUntil() - now);
    }
    return null;
  }

  /** Sends while the gate allows; arms one wake-up for the end of a pause. */
  private void pump() {
    while (!queue.isEmpty() && credentials.rejection() == null) {
      long now = scheduler.now();
      long readyAt = gate.readyAt(now);
      if (readyAt > now) {
        wakeUpAt(readyAt, now);
        return;
      }
      if (!gate.admits(inFlight)) {
        return;
      }
      send(queue.pollFirstEntry().getValue(), now);
    }
  }

  private void wakeUpAt(long at, long now) {
    if (wakeUpTimer >= 0 && wakeUpAt <= at) {
      return;
    }
    if (wakeUpTimer >= 0) {
      scheduler.cancel(wakeUpTimer);
    }
    wakeUpAt = at;
    wakeUpTimer = scheduler.schedule(at - now, () -> {
      wakeUpTimer = -1;
      wakeUpAt = Long.MAX_VALUE;
      pump();
    });
  }

  private void send(Pending pending, long now) {
    pending.state = State.IN_FLIGHT;
    inFlight++;
    CheckRequest request = pending.request;
    linq.check(request.service(), request.address(), request.from(), request.deadlineMillis() - now)
        .onComplete(done -> {
          inFlight--;
          LinqOutcome outcome = done.succeeded() ? done.result()
              : TransientFault.of(TransientFault.Kind.CONNECTION, String.valueOf(done.cause()));
          onOutcome(pending, outcome);
          pump();
        });
  }

  private void onOutcome(Pending pending, LinqOutcome outcome) {
    long now = scheduler.now();
    if (outcome instanceof LinqOutcome.RateLimited limited) {
      onRateLimited(pending, limited, now);
      return;
    }
    gate.onResponse(now);
    if (outcome instanceof LinqOutcome.Answered answered) {
      complete(pending, answered.answer().withAddress(pending.request.address()));
    } else if (outcome instanceof LinqOutcome.Rejected rejected) {
      fail(pending, rejected.error());
    } else if (outcome instanceof LinqOutcome.CredentialsRejected rejected) {
      credentials.reject(rejected);
      fail(pending, credentials.rejection());
      failQueued(credentials.rejection());
    } else if (outcome instanceof LinqOutcome.SenderLineFault fault) {
      fail(pending, new CheckException(503, fault.code(), fault.message(), options.senderLineRetryAfterSeconds(),
          fault.traceId()));
    } else if (outcome instanceof TransientFault fault) {
      onTransientFault(pending, fault, now);
    } else {
      fail(pending, CheckException.upstreamFailing("unexpected outcome " + outcome.getClass().getSimpleName()));
    }
  }

  private void onRateLimited(Pending pending, LinqOutcome.RateLimited limited, long now) {
    boolean newPause = !gate.paused(now);
    gate.onThrottled(now, limited.delayMillis());
    if (newPause) {
      logFor(log.atInfo(), pending).log("Linq rate limited the gateway (trace {}); pausing all dispatch for {} ms",
          limited.traceId(), limited.delayMillis());
    }
    if (pending.state != State.DONE) {
      pending.state = State.QUEUED;
      queue.put(pending.seq, pending);
    }
    failQueuedExpiringBefore(gate.pausedUntil(), now);
  }

  /** Checks that cannot be sent before their deadline are told so now, with the wait they face. */
  private void failQueuedExpiringBefore(long resumeAt, long now) {
    queue.values().removeIf(waiting -> {
      if (waiting.request.deadlineMillis() <= resumeAt) {
        finish(waiting);
        waiting.promise.fail(CheckException.rateLimited(resumeAt - now));
        return true;
      }
      return false;
    });
  }

  private void onTransientFault(Pending pending, TransientFault fault, long now) {
    pending.faults++;
    pending.lastFault = fault;
    if (pending.state == State.DONE) {
      return;
    }
    long delay = backoff.delayMillis(pending.faults);
    boolean outOfAttempts = pending.faults >= options.maxAttempts();
    if (outOfAttempts || now + delay >= pending.request.deadlineMillis()) {
      logFor(log.atWarn(), pending).log("Linq check for {} failed {} time(s), last {} ({}, trace {}); giving up",
          Mask.address(pending.request.address()), pending.faults, fault.kind(), fault.detail(), fault.traceId());
      fail(pending, exhausted(pending));
      return;
    }
    logFor(log.atDebug(), pending).log("Linq check for {} hit {} ({}); retry {} in {} ms",
        Mask.address(pending.request.address()), fault.kind(), fault.detail(), pending.faults, delay);
    pending.state = State.BACKING_OFF;
    pending.backoffTimer = scheduler.schedule(delay, () -> {
      pending.backoffTimer = -1;
      pending.state = State.QUEUED;
      queue.put(pending.seq, pending);
      pump();
    });
  }

  /**
   * Sends run on whichever request's context triggered them, so lines about a check name its request
   * explicitly (see {@link RequestIdConverter}).
   */
  private static LoggingEventBuilder logFor(LoggingEventBuilder line, Pending pending) {
    return line.addKeyValue(RequestIdConverter.REQUEST_ID, pending.request.requestId())
        .addKeyValue(RequestIdConverter.CLIENT, pending.request.client());
  }

  private static CheckException exhausted(Pending pending) {
    TransientFault last = pending.lastFault;
    return last != null && last.kind() == TransientFault.Kind.TIMEOUT
        ? CheckException.upstreamTimeout()
        : CheckException.upstreamFailing(last == null ? "no answer" : last.detail());
  }

  private void onDeadline(Pending pending) {
    pending.deadlineTimer = -1;
    long now = scheduler.now();
    switch (pending.state) {
      case QUEUED -> {
        queue.remove(pending.seq);
        fail(pending, gate.paused(now) ? CheckException.rateLimited(gate.pausedUntil() - now)
            : CheckException.upstreamTimeout());
      }
      case BACKING_OFF -> fail(pending, exhausted(pending));
      case IN_FLIGHT -> fail(pending, CheckException.upstreamTimeout());
      case DONE -> { }
    }
  }

  private void complete(Pending pending, CheckAnswer answer) {
    if (pending.state != State.DONE) {
      finish(pending);
      pending.promise.complete(answer);
    }
  }

  private void fail(Pending pending, CheckException error) {
    if (pending.state != State.DONE) {
      if (pending.state == State.QUEUED) {
        queue.remove(pending.seq);
      }
      finish(pending);
      pending.promise.fail(error);
    }
  }

  /** Marks done and releases the check's timers; the caller settles the promise. */
  private void finish(Pending pending) {
    pending.state = State.DONE;
    unanswered.remove(pending.seq);
    if (unanswered.isEmpty() && allAnswered != null) {
      allAnswered.tryComplete();
    }
    if (pending.deadlineTimer >= 0) {
      scheduler.cancel(pending.deadlineTimer);
      pending.deadlineTimer = -1;
    }
    if (pending.backoffTimer >= 0) {
      scheduler.cancel(pending.backoffTimer);
      pending.backoffTimer = -1;
    }
  }

  private void failQueued(CheckException error) {
    for (Pending waiting : queue.values().toArray(new Pending[0])) {
      fail(waiting, error);
    }
  }

  /**
   * Starts a drain: from now on new checks are refused with {@code refusal} (503/9002), while checks
   * already accepted carry on.
   *
   * @return completes when every accepted check has been answered
   */
  public Future<Void> drain(CheckException refusal) {
    this.refusal = refusal;
    if (allAnswered == null) {
      allAnswered = Promise.promise();
      if (unanswered.isEmpty()) {
        allAnswered.complete();
      }
    }
    return allAnswered.future();
  }

  /** Answers every check not answered yet with {@code error} (the end of a shutdown grace period). */
  public void failUnanswered(CheckException error) {
    for (Pending waiting : unanswered.values().toArray(new Pending[0])) {
      fail(waiting, error);
    }
  }

  /** Probes Linq's key once (startup). */
  public void verifyCredentials() {
    credentials.verify();
  }

  public CredentialsGuard credentials() {
    return credentials;
  }

  public SendGate gate() {
    return gate;
  }

  public int queued() {
    return queue.size();
  }

  public int inFlight() {
    return inFlight;
  }

  /** Checks accepted and not yet answered. */
  public int unanswered() {
    return unanswered.size();
  }

  private enum State { QUEUED, IN_FLIGHT, BACKING_OFF, DONE }

  private static final class Pending {
    final long seq;
    final CheckRequest request;
    final Promise<CheckAnswer> promise = Promise.promise();
    State state = State.QUEUED;
    int faults;
    TransientFault lastFault;
    long deadlineTimer = -1;
    long backoffTimer = -1;

    Pending(long seq, CheckRequest request) {
      this.seq = seq;
      this.request = request;
    }
  }
}
