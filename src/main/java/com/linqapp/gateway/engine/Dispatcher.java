package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult.Source;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.engine.queue.FairQueue;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.log.Mask;
import com.linqapp.gateway.log.RequestIdConverter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
  private final SendPacer.Factory pacers;
  private final CredentialsGuard credentials;
  private final DispatchListener listener;
  private final Function<CheckRequest, CheckException> quota;
  /** Flights any budget may send (all of them when the limit is the account's). */
  private final FairQueue<Flight> shared;
  /** Budgets that take from {@link #shared}: the account's, or every known sender line's. */
  private List<SenderBudget> budgets;
  /** Budgets by sender line, including lines only callers have named. */
  private final Map<String, SenderBudget> lines = new HashMap<>();
  /** Every flight not yet done, by what it asks. */
  private final Map<CheckKey, Flight> flights = new HashMap<>();
  private double share = 1.0;
  private int rotation;
  private long nextSeq;
  private int inFlight;
  private int waiting;
  private long wakeUpTimer = -1;
  private long wakeUpAt = Long.MAX_VALUE;
  private CheckException refusal;
  private Promise<Void> allAnswered;

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
    this.pacers = pacers;
    this.listener = listener;
    this.shared = newQueue();
    this.budgets = List.of(newBudget(null));
    this.credentials = new CredentialsGuard(linq, scheduler, credentialsProbeBackoff, this::pump, this::onSenderLines);
  }

  private FairQueue<Flight> newQueue() {
    return new FairQueue<>(options.bulkMinShare(), Map.of());
  }

  private SenderBudget newBudget(String line) {
    SendPacer pacer = pacers.create();
    pacer.share(share);
    return new SenderBudget(line, new SendGate(options.maxConcurrency()), pacer, newQueue());
  }

  /**
   * The account's sender lines are known: with a per-line limit, each gets its own budget and checks
   * without {@code from} are spread over them. Until then (or with an account-wide limit) one budget
   * serves everything and Linq picks the line.
   */
  private void onSenderLines(List<String> discovered) {
    if (!options.perLineLimit() || discovered.isEmpty()) {
      return;
    }
    List<SenderBudget> perLine = new ArrayList<>();
    for (String line : discovered) {
      perLine.add(lines.computeIfAbsent(line, this::newBudget));
    }
    budgets = List.copyOf(perLine);
    log.info("Rate limit per sender line: {} lines discovered", budgets.size());
    pump();
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
      long resumeAt = resumeAt(flight, now);
      if (flight.state != State.IN_FLIGHT && resumeAt >= request.deadlineMillis()) {
        CheckException limited = CheckException.rateLimited(resumeAt - now);
        listener.onRefused(limited);
        return Future.failedFuture(limited);
      }
      return join(flight, request, Source.COALESCED, now);
    }
    flight = new Flight(nextSeq++, request, homeFor(request));
    CheckException shed = admissionFailure(flight, now);
    if (shed == null) {
      shed = quota.apply(request);
    }
    if (shed != null) {
      listener.onRefused(shed);
      return Future.failedFuture(shed);
    }
    flights.put(flight.key, flight);
    flight.home.add(flight);
    Future<CheckResult> result = join(flight, request, Source.MISS, now);
    pump();
    return result;
  }

  /** A caller's {@code from} pins the check to that line's budget when limits are per line. */
  private FairQueue<Flight> homeFor(CheckRequest request) {
    if (!options.perLineLimit() || request.from() == null) {
      return shared;
    }
    return pinnedQueue(lines.computeIfAbsent(request.from(), this::newBudget));
  }

  @SuppressWarnings("unchecked")
  private static FairQueue<Flight> pinnedQueue(SenderBudget budget) {
    return (FairQueue<Flight>) budget.pinned;
  }

  /** Budgets that may send the flight. */
  private List<SenderBudget> candidates(Flight flight) {
    if (flight.home == shared) {
      return budgets;
    }
    return List.of(lines.get(flight.request.from()));
  }

  /** When the earliest budget that may send this flight is out of its 429 pause. */
  private long resumeAt(Flight flight, long now) {
    long earliest = Long.MAX_VALUE;
    for (SenderBudget budget : candidates(flight)) {
      earliest = Math.min(earliest, budget.gate.readyAt(now));
    }
    return earliest;
  }

  /** Refuses a new flight that cannot be sent before its deadline, or that the queue has no room for. */
  private CheckException admissionFailure(Flight flight, long now) {
    if (queued() >= options.maxQueue()) {
      return CheckException.overloaded("Too many checks waiting for Linq; retry later",
          Math.max(1_000, backlogMillis(flight, Priority.BULK)));
    }
    long limitWait = Long.MAX_VALUE;
    for (SenderBudget budget : candidates(flight)) {
      limitWait = Math.min(limitWait, budget.readyAt(now) - now);
    }
    long deadline = flight.request.deadlineMillis();
    if (now + limitWait >= deadline) {
      return CheckException.rateLimited(limitWait);
    }
    long projectedWait = limitWait + backlogMillis(flight, flight.request.priority());
    if (now + projectedWait >= deadline) {
      return CheckException.overloaded("Linq's rate limit cannot reach this check before its deadline", projectedWait);
    }
    return null;
  }

  /** Time the work ahead of a flight in its queue and lane takes at its budgets' combined rate. */
  private long backlogMillis(Flight flight, Priority lane) {
    double rate = 0;
    for (SenderBudget budget : candidates(flight)) {
      rate += budget.pacer.rate();
    }
    if (Double.isInfinite(rate) || rate <= 0) {
      return 0;
    }
    FairQueue<Flight> queue = flight.home;
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

  /**
   * Sends while budgets allow, one flight per ready budget per round (which spreads checks without
   * {@code from} over the lines); arms one wake-up for the earliest instant a waiting budget may send.
   */
  private void pump() {
    if (credentials.rejection() != null) {
      return;
    }
    boolean sent = true;
    long wakeAt = Long.MAX_VALUE;
    while (sent) {
      sent = false;
      wakeAt = Long.MAX_VALUE;
      long now = scheduler.now();
      List<SenderBudget> round = allBudgets();
      int lastSender = -1;
      for (int i = 0; i < round.size() && inFlight < options.maxConcurrency(); i++) {
        SenderBudget budget = round.get((rotation + i) % round.size());
        FairQueue<Flight> source = sourceFor(budget, now);
        if (source == null) {
          continue;
        }
        long readyAt = budget.readyAt(now);
        if (readyAt > now) {
          wakeAt = Math.min(wakeAt, readyAt);
        } else if (budget.gate.admits(budget.inFlight)) {
          send(source.poll(), budget, now);
          sent = true;
          lastSender = (rotation + i) % round.size();
        }
      }
      // The next round starts after the last budget that sent, whatever else called pump in between
      // (a fixed step per call let one line take every check when calls came in a fixed rhythm).
      if (lastSender >= 0) {
        rotation = lastSender + 1;
      }
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
    listener.onLoad(queued(Priority.INTERACTIVE), queued(Priority.BULK), inFlight, rate());
  }

  /** The shared budgets and those only callers' {@code from} named. */
  private List<SenderBudget> allBudgets() {
    if (lines.isEmpty()) {
      return budgets;
    }
    List<SenderBudget> all = new ArrayList<>(budgets);
    for (SenderBudget line : lines.values()) {
      if (!all.contains(line)) {
        all.add(line);
      }
    }
    return all;
  }

  /** Where this budget's next flight comes from: its pinned queue first, then the shared one. */
  private FairQueue<Flight> sourceFor(SenderBudget budget, long now) {
    FairQueue<Flight> pinned = pinnedQueue(budget);
    if (!pinned.isEmpty()) {
      return pinned;
    }
    Flight next = budgets.contains(budget) ? shared.peek() : null;
    if (next == null || next.excluded.contains(budget.line)
        || (next.request.service() == Service.RCS && !budget.rcsUsable(now))) {
      return null;
    }
    return shared;
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
    flight.state = State.IN_FLIGHT;
    flight.budget = budget;
    inFlight++;
    budget.inFlight++;
    budget.pacer.onSend(now);
    CheckRequest request = flight.request;
    String from = request.from() != null ? request.from() : budget.line;
    linq.check(request.service(), request.address(), from, flight.deadline() - now)
        .onComplete(done -> {
          inFlight--;
          budget.inFlight--;
          LinqOutcome outcome = done.succeeded() ? done.result()
              : TransientFault.of(TransientFault.Kind.CONNECTION, String.valueOf(done.cause()));
          listener.onExchange(outcome, scheduler.now() - now);
          onOutcome(flight, budget, outcome, now);
          pump();
        });
  }

  private void onOutcome(Flight flight, SenderBudget budget, LinqOutcome outcome, long sentAt) {
    long now = scheduler.now();
    if (outcome instanceof LinqOutcome.RateLimited limited) {
      onRateLimited(flight, budget, limited, sentAt, now);
      return;
    }
    budget.gate.onResponse(now);
    budget.pacer.onAnswer(sentAt, now);
    if (outcome instanceof LinqOutcome.Answered answered) {
      CheckAnswer answer = answered.answer().withAddress(flight.request.address());
      listener.onAnswer(flight.key, answer);
      settle(flight, answer, null);
    } else if (outcome instanceof LinqOutcome.Rejected rejected) {
      settle(flight, null, rejected.error());
    } else if (outcome instanceof LinqOutcome.CredentialsRejected rejected) {
      credentials.reject(rejected);
      settle(flight, null, credentials.rejection());
      failAll(credentials.rejection(), false);
    } else if (outcome instanceof LinqOutcome.SenderLineFault fault) {
      onSenderLineFault(flight, budget, fault, now);
    } else if (outcome instanceof TransientFault fault) {
      onTransientFault(flight, fault, now);
    } else {
      settle(flight, null, CheckException.upstreamFailing("unexpected outcome " + outcome.getClass().getSimpleName()));
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
    if (budget.line == null || flight.home != shared) {
      settle(flight, null, unknown);
      return;
    }
    budget.rcsUnusableUntil = now + options.senderLineRestMillis();
    flight.excluded.add(budget.line);
    logFor(log.atWarn(), flight).log("RCS sender-line fault {} on {}; resting it from RCS for {} ms", fault.code(),
        budget, options.senderLineRestMillis());
    boolean anotherLine = budgets.stream().anyMatch(other -> !flight.excluded.contains(other.line));
    if (flight.waiters.isEmpty() || !anotherLine) {
      settle(flight, null, unknown);
    } else {
      flight.state = State.QUEUED;
      shared.add(flight);
    }
  }

  private void onRateLimited(Flight flight, SenderBudget budget, LinqOutcome.RateLimited limited, long sentAt,
                             long now) {
    boolean newPause = !budget.gate.paused(now);
    budget.gate.onThrottled(now, limited.delayMillis());
    budget.pacer.onThrottle(sentAt, now, limited.delayMillis());
    budget.pacer.onPauseEnd(now + limited.delayMillis());
    if (newPause) {
      listener.onPause(budget.line, limited.delayMillis());
      logFor(log.atInfo(), flight).log("Linq rate limited {} (trace {}); pausing its dispatch for {} ms, then {}/s",
          budget, limited.traceId(), limited.delayMillis(), String.format(Locale.ROOT, "%.1f", budget.pacer.rate()));
    }
    if (flight.waiters.isEmpty()) {
      drop(flight);
    } else {
      flight.state = State.QUEUED;
      flight.home.add(flight);
    }
    answerWaitersBeyondPauses(now);
  }

  /** Waiters that cannot be served before their deadline are told so now, with the wait they face. */
  private void answerWaitersBeyondPauses(long now) {
    List<FairQueue<Flight>> queues = new ArrayList<>();
    queues.add(shared);
    for (SenderBudget line : lines.values()) {
      queues.add(pinnedQueue(line));
    }
    for (FairQueue<Flight> queue : queues) {
      for (Flight flight : queue.snapshot()) {
        long resumeAt = resumeAt(flight, now);
        for (Waiter waiter : List.copyOf(flight.waiters)) {
          if (waiter.request.deadlineMillis() <= resumeAt) {
            flight.waiters.remove(waiter);
            CheckException limited = CheckException.rateLimited(resumeAt - now);
            listener.onDeadline(limited);
            answer(waiter, null, limited);
          }
        }
        if (flight.waiters.isEmpty()) {
          drop(flight);
        }
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
      flight.home.add(flight);
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
      case QUEUED -> resumeAt(flight, now) > now ? CheckException.rateLimited(resumeAt(flight, now) - now)
          : CheckException.upstreamTimeout();
      case BACKING_OFF -> exhausted(flight);
      default -> CheckException.upstreamTimeout();
    };
    listener.onDeadline(error);
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
      flight.home.remove(flight);
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

  /**
   * The callers of {@code requestId} went away: their waiters are answered 499/9008, and flights nobody
   * else waits for are dropped unless already sent (an answer in flight still fills the cache).
   *
   * @return how many waiters were withdrawn
   */
  public int cancel(String requestId) {
    int withdrawn = 0;
    for (Flight flight : List.copyOf(flights.values())) {
      for (Waiter waiter : List.copyOf(flight.waiters)) {
        if (requestId.equals(waiter.request.requestId())) {
          flight.waiters.remove(waiter);
          answer(waiter, null, CheckException.cancelled());
          withdrawn++;
        }
      }
      if (flight.waiters.isEmpty() && flight.state != State.IN_FLIGHT) {
        drop(flight);
      }
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

  /** When checks that any line may send can go again: now, or the end of the shortest pause. */
  public long pausedUntil(long now) {
    long earliest = Long.MAX_VALUE;
    for (SenderBudget budget : budgets) {
      earliest = Math.min(earliest, budget.gate.readyAt(now));
    }
    return earliest;
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
    if (line == null) {
      allBudgets().forEach(budget -> {
        budget.gate.pauseUntil(until);
        budget.pacer.onPauseEnd(until);
      });
    } else {
      SenderBudget budget = lines.computeIfAbsent(line, this::newBudget);
      budget.gate.pauseUntil(until);
      budget.pacer.onPauseEnd(until);
    }
    answerWaitersBeyondPauses(scheduler.now());
    pump();
  }

  /** The share of Linq's limit this dispatcher may use (a cluster's split), in (0, 1]. */
  public void shareRate(double fraction) {
    share = fraction;
    for (SenderBudget budget : allBudgets()) {
      budget.pacer.share(fraction);
    }
  }

  /** Requests per second allowed now, summed over the budgets ({@code Infinity} when unpaced). */
  public double rate() {
    double total = 0;
    for (SenderBudget budget : budgets) {
      total += budget.pacer.rate();
    }
    return total;
  }

  /** Sum of the budgets' slow-start windows. */
  public int window() {
    return budgets.stream().mapToInt(budget -> budget.gate.window()).sum();
  }

  public int queued() {
    int total = shared.size();
    for (SenderBudget line : lines.values()) {
      total += line.pinned.size();
    }
    return total;
  }

  public int queued(Priority lane) {
    int total = shared.size(lane);
    for (SenderBudget line : lines.values()) {
      total += line.pinned.size(lane);
    }
    return total;
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
    /** The queue it waits in: the shared one, or a line's when the caller named that line. */
    final FairQueue<Flight> home;
    final List<Waiter> waiters = new ArrayList<>(1);
    /** Lines that gave an RCS sender-line fault for this check. */
    final Set<String> excluded = new HashSet<>(0);
    SenderBudget budget;
    State state = State.QUEUED;
    int faults;
    TransientFault lastFault;
    long backoffTimer = -1;

    Flight(long seq, CheckRequest request, FairQueue<Flight> home) {
      this.seq = seq;
      this.key = request.key();
      this.request = request;
      this.home = home;
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
