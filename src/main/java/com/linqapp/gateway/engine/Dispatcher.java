package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.CheckResult.Source;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.engine.Flight.Waiter;
import com.linqapp.gateway.engine.pacing.LimitEstimate;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.engine.queue.FairQueue;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault;
import com.linqapp.gateway.log.Mask;
import com.linqapp.gateway.log.RequestIdConverter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The one place where checks wait for, and are sent to, Linq.
 *
 * <h2>Design</h2>
 * Identical checks (same {@code CheckKey}) share one {@link Flight}: one upstream call, however many
 * callers wait on it ({@link Flights}). Each caller is answered at its own deadline at the latest, and a
 * failure reaches only the callers already waiting; a flight whose last caller gave up before it was sent
 * is dropped, so abandoned work spends no quota.
 *
 * <p>Flights wait in fair queues ({@link FairQueue}: by admission sequence within their lane and client,
 * so a flight put back after a 429 or a backoff returns to its original place) and are sent by the
 * sending budgets ({@link SenderBudgets}: the account's, or each sender line's).
 *
 * <p>{@link #pump} is the only sender. It runs after every event that could let work proceed (an
 * admission, an outcome, a timer) and sends while the budgets' {@link SendGate}s (429 pauses, slow start)
 * and {@link SendPacer}s (the rate limit, known or learnt) allow; otherwise it arms a single wake-up timer
 * for the earliest instant a send is allowed. There is no polling.
 *
 * <p>A 429 is not a failed attempt: the flight is requeued and its budget pauses (Linq's limit is the
 * account's, or the line's), and callers whose deadline falls inside the pause are answered at once with
 * 429/1007 instead of waiting for a send that cannot happen in time. Admission applies the same rule
 * ahead of time: a check that could not be sent before its deadline because of the pause or the pace is
 * answered 429/1007 at once; one that could, but not with the backlog ahead of it, is shed with 503/9001.
 * Transient faults (5xx, resets, timeouts, bad bodies) are retried with jittered exponential backoff
 * within the deadline and the attempt budget, then answered 502/9003 (504/9004 when the last fault was a
 * timeout).
 *
 * <p>Confined to one event loop (the engine verticle's); nothing here is thread-safe, nothing blocks.
 */
public final class Dispatcher implements Dispatch {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final EngineOptions options;
  private final LinqClient linq;
  private final Scheduler scheduler;
  private final BackoffPolicy backoff;
  private final CredentialsGuard credentials;
  private final DispatchListener listener;
  private final Function<CheckRequest, CheckException> quota;
  private final SenderBudgets budgets;
  private final Flights flights;
  private long nextSeq;
  private int inFlight;
  private long wakeUpTimer = -1;
  private long wakeUpAt = Long.MAX_VALUE;
  private CheckException refusal;

  /**
   * @param pacers  a new pacer for each budget (the account's, or each line's): Linq's rate limit
   * @param listener told of every answer Linq gives (the cache), even when no caller waits any more,
   *                 and of what metrics count
   * @param quota   last word on a check that will cost an upstream call (e.g. a client's daily budget):
   *                the refusal, or {@code null} to admit
   */
  public Dispatcher(EngineOptions options, LinqClient linq, Scheduler scheduler, BackoffPolicy backoff,
                    BackoffPolicy credentialsProbeBackoff, SendPacer.Factory pacers,
                    DispatchListener listener, Function<CheckRequest, CheckException> quota) {
    this.options = options;
    this.quota = quota;
    this.linq = linq;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.listener = listener;
    this.budgets = new SenderBudgets(options, pacers);
    this.flights = new Flights(scheduler);
    this.credentials = new CredentialsGuard(linq, scheduler, credentialsProbeBackoff, this::pump, this::onSenderLines,
        listener::onCredentials);
    reportLoad(); // the pace (a known limit, say) is on show before the first check
  }

  private void onSenderLines(List<String> discovered) {
    if (budgets.onSenderLines(discovered)) {
      log.info("Rate limit per sender line: {} lines discovered", budgets.sharedBudgets());
      pump();
    }
  }

  @Override
  public Future<CheckResult> submit(CheckRequest request) {
    long now = scheduler.now();
    CheckException refused = refusal != null ? refusal : credentials.rejection();
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    Flight flight = flights.get(request.key());
    if (flight != null) {
      long resumeAt = budgets.resumeAt(flight, now);
      if (flight.state != Flight.State.IN_FLIGHT && resumeAt >= request.deadlineMillis()) {
        return refuse(CheckException.rateLimited(resumeAt - now));
      }
      Future<CheckResult> joined = flights.join(flight, request, Source.COALESCED, this::onDeadline);
      listener.onJoin(flight, request);
      return joined;
    }
    flight = new Flight(nextSeq++, request, budgets.homeFor(request));
    CheckException shed = admissionFailure(flight, now);
    if (shed == null) {
      shed = quota.apply(request);
    }
    if (shed != null) {
      return refuse(shed);
    }
    flights.add(flight);
    flight.home.add(flight);
    Future<CheckResult> result = flights.join(flight, request, Source.MISS, this::onDeadline);
    listener.onJoin(flight, request);
    pump();
    return result;
  }

  private Future<CheckResult> refuse(CheckException error) {
    listener.onRefused(error);
    return Future.failedFuture(error);
  }

  /** Refuses a new flight that cannot be sent before its deadline, or that the queue has no room for. */
  private CheckException admissionFailure(Flight flight, long now) {
    if (queued() >= options.maxQueue()) {
      return CheckException.overloaded("Too many checks waiting for Linq; retry later",
          Math.max(1_000, budgets.backlogMillis(flight, Priority.BULK)));
    }
    long limitWait = budgets.limitWait(flight, now);
    long deadline = flight.request.deadlineMillis();
    if (now + limitWait >= deadline) {
      return CheckException.rateLimited(limitWait);
    }
    long projectedWait = limitWait + budgets.backlogMillis(flight, flight.request.priority());
    if (now + projectedWait >= deadline) {
      return CheckException.overloaded("Linq's rate limit cannot reach this check before its deadline", projectedWait);
    }
    return null;
  }

  /**
   * Sends while budgets allow, one flight per ready budget per round (which spreads checks without
   * {@code from} over the lines); arms one wake-up for the earliest instant a waiting budget may send.
   */
  private void pump() {
    if (credentials.rejection() != null) {
      return;
    }
    long wakeAt = Long.MAX_VALUE;
    boolean sent = true;
    while (sent) {
      long now = scheduler.now();
      SenderBudgets.Round round = budgets.sendRound(now, () -> inFlight < options.maxConcurrency(),
          (budget, flight) -> send(flight, budget, now));
      sent = round.sent();
      wakeAt = round.wakeAt();
      if (inFlight >= options.maxConcurrency()) {
        wakeAt = Long.MAX_VALUE; // a completion pumps again
        break;
      }
    }
    if (wakeAt != Long.MAX_VALUE) {
      wakeUpAt(wakeAt, scheduler.now());
    }
    reportLoad();
  }

  private void reportLoad() {
    listener.onLoad(queued(Priority.INTERACTIVE), queued(Priority.BULK), inFlight, rate(), pacing());
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

  private void send(Flight flight, SenderBudget budget, long now) {
    flight.state = Flight.State.IN_FLIGHT;
    inFlight++;
    budget.inFlight++;
    budget.pacer.onSend(now);
    flight.attempts++;
    listener.onSend(flight);
    CheckRequest request = flight.request;
    String from = request.from() != null ? request.from() : budget.line;
    flight.leftAt = now;
    linq.check(request.service(), request.address(), from, flight.deadline() - now, () -> departure(flight, budget))
        .onComplete(done -> {
          inFlight--;
          budget.inFlight--;
          LinqOutcome outcome = done.succeeded() ? done.result()
              : TransientFault.of(TransientFault.Kind.CONNECTION, String.valueOf(done.cause()));
          listener.onExchange(flight, outcome, scheduler.now() - now);
          onOutcome(flight, budget, outcome, now);
          pump();
        });
  }

  /**
   * When a request whose connection is there may be written: at once, or when its budget's pause ends. A
   * request that waited for a connection to open while a 429 came back would otherwise reach Linq inside
   * the pause. Its send time for the learner is when it leaves.
   */
  private Future<Void> departure(Flight flight, SenderBudget budget) {
    long now = scheduler.now();
    long openAt = budget.gate.readyAt(now);
    if (openAt <= now) {
      flight.leftAt = now;
      return Future.succeededFuture();
    }
    Promise<Void> open = Promise.promise();
    scheduler.schedule(openAt - now, () -> departure(flight, budget).onComplete(open)); // the pause may grow
    return open.future();
  }

  private void onOutcome(Flight flight, SenderBudget budget, LinqOutcome outcome, long sentAt) {
    long now = scheduler.now();
    if (outcome instanceof LinqOutcome.RateLimited limited) {
      onRateLimited(flight, budget, limited, sentAt, now);
      return;
    }
    budget.gate.onResponse(now);
    budget.pacer.onAnswer(sentAt, flight.leftAt, now);
    if (outcome instanceof LinqOutcome.Answered answered) {
      credentials.answered();
      CheckAnswer answer = answered.answer().withAddress(flight.request.address());
      listener.onAnswer(flight.key, answer);
      flights.settle(flight, answer, null);
    } else if (outcome instanceof LinqOutcome.Rejected rejected) {
      flights.settle(flight, null, rejected.error());
    } else if (outcome instanceof LinqOutcome.CredentialsRejected rejected) {
      credentials.reject(rejected);
      flights.settle(flight, null, credentials.rejection());
      failAll(credentials.rejection(), false);
    } else if (outcome instanceof LinqOutcome.SenderLineFault fault) {
      onSenderLineFault(flight, budget, fault, now);
    } else if (outcome instanceof TransientFault fault) {
      onTransientFault(flight, fault, now);
    } else {
      flights.settle(flight, null,
          CheckException.upstreamFailing("unexpected outcome " + outcome.getClass().getSimpleName()));
    }
  }

  /**
   * The line could not tell (RCS 503 4004/4009/4010): "unknown", never "no". A check Linq may send from
   * any line tries another one, and this line rests from RCS for a while; a caller's own {@code from}
   * is respected, so that caller gets the 503.
   */
  private void onSenderLineFault(Flight flight, SenderBudget budget, LinqOutcome.SenderLineFault fault, long now) {
    CheckException unknown = new CheckException(503, fault.code(), fault.message(),
        options.senderLineRetryAfterSeconds(), fault.traceId());
    if (budget.line == null || budgets.pinned(flight)) {
      flights.settle(flight, null, unknown);
      return;
    }
    budget.rcsUnusableUntil = now + options.senderLineRestMillis();
    flight.excluded.add(budget.line);
    logFor(log.atWarn(), flight).log("RCS sender-line fault {} on {}; resting it from RCS for {} ms", fault.code(),
        budget, options.senderLineRestMillis());
    if (flight.waiters.isEmpty() || !budgets.anotherLineFor(flight)) {
      flights.settle(flight, null, unknown);
    } else {
      requeue(flight);
    }
  }

  private void onRateLimited(Flight flight, SenderBudget budget, LinqOutcome.RateLimited limited, long sentAt,
                             long now) {
    boolean newPause = !budget.gate.paused(now);
    budget.gate.onThrottled(now, limited.delayMillis());
    budget.pacer.onThrottle(sentAt, flight.leftAt, now, limited.delayMillis());
    budget.pacer.onPauseEnd(now + limited.delayMillis());
    if (newPause) {
      listener.onPause(budget.line, limited.delayMillis());
      logFor(log.atInfo(), flight).log("Linq rate limited {} (trace {}); pausing its dispatch for {} ms, then {}/s",
          budget, limited.traceId(), limited.delayMillis(), String.format(Locale.ROOT, "%.1f", budget.pacer.rate()));
    }
    if (flight.waiters.isEmpty()) {
      flights.retire(flight);
    } else {
      requeue(flight);
    }
    answerWaitersBeyondPauses(now);
  }

  private void requeue(Flight flight) {
    flight.state = Flight.State.QUEUED;
    flight.home.add(flight);
  }

  /** Waiters that cannot be served before their deadline are told so now, with the wait they face. */
  private void answerWaitersBeyondPauses(long now) {
    for (FairQueue<Flight> queue : budgets.queues()) {
      for (Flight flight : queue.snapshot()) {
        long resumeAt = budgets.resumeAt(flight, now);
        for (Waiter waiter : List.copyOf(flight.waiters)) {
          if (waiter.request.deadlineMillis() <= resumeAt) {
            CheckException limited = CheckException.rateLimited(resumeAt - now);
            listener.onDeadline(limited);
            flights.withdraw(flight, waiter, limited);
          }
        }
        if (flight.waiters.isEmpty()) {
          flights.retire(flight);
        }
      }
    }
  }

  private void onTransientFault(Flight flight, TransientFault fault, long now) {
    flight.faults++;
    flight.lastFault = fault;
    if (flight.waiters.isEmpty()) {
      flights.retire(flight);
      return;
    }
    long delay = backoff.delayMillis(flight.faults);
    if (flight.faults >= options.maxAttempts() || now + delay >= flight.deadline()) {
      logFor(log.atWarn(), flight).log("Linq check for {} failed {} time(s), last {} ({}, trace {}); giving up",
          Mask.address(flight.request.address()), flight.faults, fault.kind(), fault.detail(), fault.traceId());
      flights.settle(flight, null, exhausted(flight));
      return;
    }
    logFor(log.atDebug(), flight).log("Linq check for {} hit {} ({}); retry {} in {} ms",
        Mask.address(flight.request.address()), fault.kind(), fault.detail(), flight.faults, delay);
    listener.onRetry(flight, fault, delay);
    flight.state = Flight.State.BACKING_OFF;
    flight.backoffTimer = scheduler.schedule(delay, () -> {
      flight.backoffTimer = -1;
      requeue(flight);
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
    long now = scheduler.now();
    long resumeAt = budgets.resumeAt(flight, now);
    CheckException error = switch (flight.state) {
      case QUEUED -> resumeAt > now ? CheckException.rateLimited(resumeAt - now) : CheckException.upstreamTimeout();
      case BACKING_OFF -> exhausted(flight);
      default -> CheckException.upstreamTimeout();
    };
    listener.onDeadline(error);
    flights.withdraw(flight, waiter, error);
    flights.retireIfAbandoned(flight);
  }

  /** Answers every waiter with {@code error}; flights in flight go on (their answers still fill the cache). */
  private void failAll(CheckException error, boolean includeInFlight) {
    for (Flight flight : flights.snapshot()) {
      if (includeInFlight || flight.state != Flight.State.IN_FLIGHT) {
        flights.settle(flight, null, error);
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
    return flights.allAnswered();
  }

  /** Answers every check not answered yet with {@code error} (the end of a shutdown grace period). */
  public void failUnanswered(CheckException error) {
    failAll(error, true);
  }

  /**
   * Answers every check not yet sent with {@code error}; checks in flight go on. For a cluster's owner
   * handing its work over: its callers ask the next owner.
   */
  public void failQueued(CheckException error) {
    failAll(error, false);
    reportLoad();
  }

  /**
   * The callers of {@code requestId} went away: their waiters are answered 499/9008, and flights nobody
   * else waits for are dropped unless already sent (an answer in flight still fills the cache).
   *
   * @return how many waiters were withdrawn
   */
  public int cancel(String requestId) {
    int withdrawn = 0;
    for (Flight flight : flights.snapshot()) {
      for (Waiter waiter : List.copyOf(flight.waiters)) {
        if (requestId.equals(waiter.request.requestId())) {
          flights.withdraw(flight, waiter, CheckException.cancelled());
          withdrawn++;
        }
      }
      flights.retireIfAbandoned(flight);
    }
    reportLoad();
    return withdrawn;
  }

  /** Probes Linq's key once (startup). */
  public void verifyCredentials() {
    credentials.verify();
  }

  public CredentialsGuard credentials() {
    return credentials;
  }

  @Override
  public long pausedUntil(long now) {
    return budgets.pausedUntil(now);
  }

  /** An outside pause (another node's 429 for the account) reaches every budget. */
  public void pauseUntil(long until) {
    pauseUntil(null, until);
  }

  /**
   * An outside pause: for one sender line, or for the account ({@code line} {@code null}, every budget).
   *
   * @param until engine-clock time the pause ends
   */
  public void pauseUntil(String line, long until) {
    budgets.pauseUntil(line, until);
    answerWaitersBeyondPauses(scheduler.now());
    pump();
  }

  /** What the budgets' pacers have learnt of Linq's limit, by budget: the account, or each line's number. */
  public Map<String, LimitEstimate> learnt() {
    return budgets.learnt();
  }

  /**
   * This dispatcher starts sending for a cluster after another one stopped: its budgets adopt what that one
   * learnt ({@link #learnt()}) and start at their steady pace, without a burst.
   */
  public void takeOver(Map<String, LimitEstimate> learnt) {
    budgets.takeOver(learnt, scheduler.now());
    pump();
  }

  /** Requests per second allowed now, summed over the budgets ({@code Infinity} when unpaced). */
  public double rate() {
    return budgets.rate();
  }

  /** What {@link #rate()} is based on: unpaced while any budget sends unpaced (the sum is unbounded then). */
  public SendPacer.State pacing() {
    return budgets.pacing();
  }

  /** Sum of the budgets' slow-start windows. */
  public int window() {
    return budgets.window();
  }

  public int queued() {
    return budgets.queued();
  }

  public int queued(Priority lane) {
    return budgets.queued(lane);
  }

  public int inFlight() {
    return inFlight;
  }

  /** Callers accepted and not yet answered. */
  public int unanswered() {
    return flights.unanswered();
  }
}
