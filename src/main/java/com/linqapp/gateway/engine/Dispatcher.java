package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.CheckResult.Source;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.engine.queue.FairQueue;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault;
import com.linqapp.gateway.log.Mask;
import com.linqapp.gateway.log.RequestIdConverter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The one place where checks wait for, and are sent to, Linq.
 *
 * <h2>Design</h2>
 * Identical checks (same {@link CheckKey}) share one {@link Flight}: one upstream call, however many
 * callers wait on it. Each caller is a {@link Waiter} with its own deadline timer, so a caller is
 * answered at its own deadline and a failure reaches only the callers already waiting; a flight whose
 * last waiter gave up before it was sent is dropped, so abandoned work spends no quota. A flight lives
 * in one of four states — queued, in flight, backing off, done — and every waiter leaves through one
 * idempotent settle, so whichever of the deadline, the outcome or a shutdown comes first answers the
 * caller and the others find it answered: exactly one answer per accepted check.
 *
 * <p>The queue orders flights by admission sequence within their lane and client ({@link FairQueue}),
 * so a flight put back after a 429 or a backoff returns to its original place.
 *
 * <p>{@link #pump} is the only sender. It runs after every event that could let work proceed (an
 * admission, an outcome, a timer) and sends while the {@link SendGate} (429 pauses, slow start) and the
 * {@link SendPacer} (the rate limit, known or learnt) allow; otherwise it arms a single wake-up timer
 * for the earliest instant a send is allowed. There is no polling.
 *
 * <p>A 429 is not a failed attempt: the flight is requeued and the whole dispatcher pauses (Linq's
 * limit is the account's), and waiters whose deadline falls inside the pause are answered at once with
 * 429/1007 instead of waiting for a send that cannot happen in time. Admission applies the same rule
 * ahead of time: a check that could not be sent before its deadline because of the pause or the pace
 * is answered 429/1007 at once; one that could, but not with the backlog ahead of it, is shed with
 * 503/9001. Transient faults (5xx, resets, timeouts, bad bodies) are retried with jittered exponential
 * backoff within the deadline and the attempt budget, then answered 502/9003 (504/9004 when the last
 * fault was a timeout).
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
  private final SendPacer pacer;
  private final CredentialsGuard credentials;
  private final BiConsumer<CheckKey, CheckAnswer> answers;
  private final Function<CheckRequest, CheckException> quota;
  private final FairQueue<Flight> queue;
  /** Every flight not yet done, by what it asks. */
  private final Map<CheckKey, Flight> flights = new HashMap<>();
  private long nextSeq;
  private int inFlight;
  private int waiting;
  private long wakeUpTimer = -1;
  private long wakeUpAt = Long.MAX_VALUE;
  private CheckException refusal;
  private Promise<Void> allAnswered;

  /**
   * @param pacer   spaces sends to Linq's rate limit
   * @param answers told of every answer Linq gives (the cache), even when no caller waits any more
   * @param quota   last word on a check that will cost an upstream call (e.g. a client's daily budget):
   *                the refusal, or {@code null} to admit
   */
  public Dispatcher(EngineOptions options, LinqClient linq, Scheduler scheduler, BackoffPolicy backoff,
                    BackoffPolicy credentialsProbeBackoff, SendPacer pacer, BiConsumer<CheckKey, CheckAnswer> answers,
                    Function<CheckRequest, CheckException> quota) {
    this.options = options;
    this.quota = quota;
    this.linq = linq;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.pacer = pacer;
    this.answers = answers;
    this.gate = new SendGate(options.maxConcurrency());
    this.queue = new FairQueue<>(options.bulkMinShare(), Map.of());
    this.credentials = new CredentialsGuard(linq, scheduler, credentialsProbeBackoff, this::pump);
  }

  /**
   * Admits a check, joins an identical one already under way, or refuses it at once.
   *
   * @return the answer ({@link Source#MISS} for the caller whose check went to Linq,
   *     {@link Source#COALESCED} for those who joined it), or a {@link CheckException}
   */
  public Future<CheckResult> submit(CheckRequest request) {
    long now = scheduler.now();
    CheckException refused = refusal != null ? refusal : credentials.rejection();
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Flight flight = flights.get(request.key());
    if (flight != null) {
      if (flight.state != State.IN_FLIGHT && gate.pausedUntil() >= request.deadlineMillis()) {
        return Future.failedFuture(CheckException.rateLimited(gate.pausedUntil() - now));
      }
      return join(flight, request, Source.COALESCED, now);
    }
    CheckException shed = admissionFailure(request, now);
    if (shed == null) {
      shed = quota.apply(request);
    }
    if (shed != null) {
      return Future.failedFuture(shed);
    }
    flight = new Flight(nextSeq++, request);
    flights.put(flight.key, flight);
    queue.add(flight);
    Future<CheckResult> result = join(flight, request, Source.MISS, now);
    pump();
    return result;
  }

  /** Refuses a new flight that cannot be sent before its deadline, or that the queue has no room for. */
  private CheckException admissionFailure(CheckRequest request, long now) {
    if (queue.size() >= options.maxQueue()) {
      return CheckException.overloaded("Too many checks waiting for Linq; retry later", Math.max(1_000, backlogMillis(
          Priority.BULK)));
    }
    long limitWait = Math.max(gate.readyAt(now), pacer.nextSendAt(now)) - now;
    if (now + limitWait >= request.deadlineMillis()) {
      return CheckException.rateLimited(limitWait);
    }
    long projectedWait = limitWait + backlogMillis(request.priority());
    if (now + projectedWait >= request.deadlineMillis()) {
      return CheckException.overloaded("Linq's rate limit cannot reach this check before its deadline", projectedWait);
    }
    return null;
  }

  /** Time the work ahead of a check in its lane takes at the current rate (interactive goes first). */
  private long backlogMillis(Priority lane) {
    double rate = pacer.rate();
    if (Double.isInfinite(rate)) {
      return 0;
    }
    int ahead = lane == Priority.INTERACTIVE ? queue.size(Priority.INTERACTIVE) : queue.size();
    return (long) Math.ceil(ahead * 1000.0 / rate);
  }

  private Future<CheckResult> join(Flight flight, CheckRequest request, Source source, long now) {
    Waiter waiter = new Waiter(request, source);
    waiter.deadlineTimer = scheduler.schedule(request.deadlineMillis() - now, () -> onDeadline(flight, waiter));
    flight.waiters.add(waiter);
    waiting++;
    return waiter.promise.future();
  }

  /** Sends while the gate and the pacer allow; arms one wake-up for the earliest allowed send. */
  private void pump() {
    while (!queue.isEmpty() && credentials.rejection() == null) {
      long now = scheduler.now();
      long readyAt = Math.max(gate.readyAt(now), pacer.nextSendAt(now));
      if (readyAt > now) {
        wakeUpAt(readyAt, now);
        return;
      }
      if (!gate.admits(inFlight)) {
        return;
      }
      send(queue.poll(), now);
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

  private void send(Flight flight, long now) {
    flight.state = State.IN_FLIGHT;
    inFlight++;
    pacer.onSend(now);
    CheckRequest request = flight.request;
    linq.check(request.service(), request.address(), request.from(), flight.deadline() - now)
        .onComplete(done -> {
          inFlight--;
          LinqOutcome outcome = done.succeeded() ? done.result()
              : TransientFault.of(TransientFault.Kind.CONNECTION, String.valueOf(done.cause()));
          onOutcome(flight, outcome);
          pump();
        });
  }

  private void onOutcome(Flight flight, LinqOutcome outcome) {
    long now = scheduler.now();
    if (outcome instanceof LinqOutcome.RateLimited limited) {
      onRateLimited(flight, limited, now);
      return;
    }
    gate.onResponse(now);
    pacer.onAnswer(now);
    if (outcome instanceof LinqOutcome.Answered answered) {
      CheckAnswer answer = answered.answer().withAddress(flight.request.address());
      answers.accept(flight.key, answer);
      settle(flight, answer, null);
    } else if (outcome instanceof LinqOutcome.Rejected rejected) {
      settle(flight, null, rejected.error());
    } else if (outcome instanceof LinqOutcome.CredentialsRejected rejected) {
      credentials.reject(rejected);
      settle(flight, null, credentials.rejection());
      failAll(credentials.rejection(), false);
    } else if (outcome instanceof LinqOutcome.SenderLineFault fault) {
      settle(flight, null, new CheckException(503, fault.code(), fault.message(),
          options.senderLineRetryAfterSeconds(), fault.traceId()));
    } else if (outcome instanceof TransientFault fault) {
      onTransientFault(flight, fault, now);
    } else {
      settle(flight, null, CheckException.upstreamFailing("unexpected outcome " + outcome.getClass().getSimpleName()));
    }
  }

  private void onRateLimited(Flight flight, LinqOutcome.RateLimited limited, long now) {
    boolean newPause = !gate.paused(now);
    gate.onThrottled(now, limited.delayMillis());
    pacer.onThrottle(now);
    if (newPause) {
      logFor(log.atInfo(), flight).log("Linq rate limited the gateway (trace {}); pausing all dispatch for {} ms",
          limited.traceId(), limited.delayMillis());
    }
    if (flight.waiters.isEmpty()) {
      drop(flight);
    } else {
      flight.state = State.QUEUED;
      queue.add(flight);
    }
    answerWaitersExpiringBefore(gate.pausedUntil(), now);
  }

  /** Waiters that cannot be served before their deadline are told so now, with the wait they face. */
  private void answerWaitersExpiringBefore(long resumeAt, long now) {
    for (Flight flight : queue.snapshot()) {
      for (Waiter waiter : List.copyOf(flight.waiters)) {
        if (waiter.request.deadlineMillis() <= resumeAt) {
          flight.waiters.remove(waiter);
          answer(waiter, null, CheckException.rateLimited(resumeAt - now));
        }
      }
      if (flight.waiters.isEmpty()) {
        drop(flight);
      }
    }
  }

  private void onTransientFault(Flight flight, TransientFault fault, long now) {
    flight.faults++;
    flight.lastFault = fault;
    if (flight.waiters.isEmpty()) {
      drop(flight);
      return;
    }
    long delay = backoff.delayMillis(flight.faults);
    if (flight.faults >= options.maxAttempts() || now + delay >= flight.deadline()) {
      logFor(log.atWarn(), flight).log("Linq check for {} failed {} time(s), last {} ({}, trace {}); giving up",
          Mask.address(flight.request.address()), flight.faults, fault.kind(), fault.detail(), fault.traceId());
      settle(flight, null, exhausted(flight));
      return;
    }
    logFor(log.atDebug(), flight).log("Linq check for {} hit {} ({}); retry {} in {} ms",
        Mask.address(flight.request.address()), fault.kind(), fault.detail(), flight.faults, delay);
    flight.state = State.BACKING_OFF;
    flight.backoffTimer = scheduler.schedule(delay, () -> {
      flight.backoffTimer = -1;
      flight.state = State.QUEUED;
      queue.add(flight);
      pump();
    });
  }

  /**
   * Sends run on whichever request's context triggered them, so lines about a check name its request
   * explicitly (see {@link RequestIdConverter}).
   */
  private static LoggingEventBuilder logFor(LoggingEventBuilder line, Flight flight) {
    return line.addKeyValue(RequestIdConverter.REQUEST_ID, flight.request.requestId())
        .addKeyValue(RequestIdConverter.CLIENT, flight.request.client());
  }

  private static CheckException exhausted(Flight flight) {
    TransientFault last = flight.lastFault;
    return last != null && last.kind() == TransientFault.Kind.TIMEOUT
        ? CheckException.upstreamTimeout()
        : CheckException.upstreamFailing(last == null ? "no answer" : last.detail());
  }

  /** A waiter's own deadline: it is answered now; the flight goes on only if someone still waits for it. */
  private void onDeadline(Flight flight, Waiter waiter) {
    waiter.deadlineTimer = -1;
    if (!flight.waiters.remove(waiter)) {
      return;
    }
    long now = scheduler.now();
    CheckException error = switch (flight.state) {
      case QUEUED -> gate.paused(now) ? CheckException.rateLimited(gate.pausedUntil() - now)
          : CheckException.upstreamTimeout();
      case BACKING_OFF -> exhausted(flight);
      default -> CheckException.upstreamTimeout();
    };
    answer(waiter, null, error);
    if (flight.waiters.isEmpty() && flight.state != State.IN_FLIGHT) {
      drop(flight);
    }
  }

  /** Answers every waiter of the flight and retires it. */
  private void settle(Flight flight, CheckAnswer answer, CheckException error) {
    for (Waiter waiter : flight.waiters) {
      answer(waiter, answer, error);
    }
    flight.waiters.clear();
    drop(flight);
  }

  /** Retires a flight nobody waits for any more: out of the queue, timers released. */
  private void drop(Flight flight) {
    if (flight.state == State.QUEUED) {
      queue.remove(flight);
    }
    if (flight.backoffTimer >= 0) {
      scheduler.cancel(flight.backoffTimer);
      flight.backoffTimer = -1;
    }
    flight.state = State.DONE;
    flights.remove(flight.key, flight);
  }

  private void answer(Waiter waiter, CheckAnswer answer, CheckException error) {
    if (waiter.deadlineTimer >= 0) {
      scheduler.cancel(waiter.deadlineTimer);
      waiter.deadlineTimer = -1;
    }
    if (error == null) {
      waiter.promise.complete(new CheckResult(answer, waiter.source, 0));
    } else {
      waiter.promise.fail(error);
    }
    waiting--;
    if (waiting == 0 && allAnswered != null) {
      allAnswered.tryComplete();
    }
  }

  /** Answers every waiter with {@code error}; flights in flight go on (their answers still fill the cache). */
  private void failAll(CheckException error, boolean includeInFlight) {
    for (Flight flight : List.copyOf(flights.values())) {
      if (includeInFlight || flight.state != State.IN_FLIGHT) {
        settle(flight, null, error);
      }
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
      if (waiting == 0) {
        allAnswered.complete();
      }
    }
    return allAnswered.future();
  }

  /** Answers every check not answered yet with {@code error} (the end of a shutdown grace period). */
  public void failUnanswered(CheckException error) {
    failAll(error, true);
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

  public SendPacer pacer() {
    return pacer;
  }

  public int queued() {
    return queue.size();
  }

  public int queued(Priority lane) {
    return queue.size(lane);
  }

  public int inFlight() {
    return inFlight;
  }

  /** Callers accepted and not yet answered. */
  public int unanswered() {
    return waiting;
  }

  private enum State { QUEUED, IN_FLIGHT, BACKING_OFF, DONE }

  /** One question to Linq, and everyone waiting for its answer. */
  private static final class Flight implements FairQueue.Entry {
    final long seq;
    final CheckKey key;
    /** The first caller's request: its lane, client and sender line decide how the flight is sent. */
    final CheckRequest request;
    final List<Waiter> waiters = new ArrayList<>(1);
    State state = State.QUEUED;
    int faults;
    TransientFault lastFault;
    long backoffTimer = -1;

    Flight(long seq, CheckRequest request) {
      this.seq = seq;
      this.key = request.key();
      this.request = request;
    }

    /** The latest deadline among the waiters: how long the upstream exchange may take. */
    long deadline() {
      long latest = Long.MIN_VALUE;
      for (Waiter waiter : waiters) {
        latest = Math.max(latest, waiter.request.deadlineMillis());
      }
      return waiters.isEmpty() ? request.deadlineMillis() : latest;
    }

    @Override
    public long seq() {
      return seq;
    }

    @Override
    public Priority lane() {
      return request.priority();
    }

    @Override
    public String client() {
      return request.client();
    }
  }

  /** One caller of a flight, answered at its own deadline at the latest. */
  private static final class Waiter {
    final CheckRequest request;
    final Source source;
    final Promise<CheckResult> promise = Promise.promise();
    long deadlineTimer = -1;

    Waiter(CheckRequest request, Source source) {
      this.request = request;
      this.source = source;
    }
  }
}
