package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.engine.pacing.LimitEstimate;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.engine.queue.FairQueue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * Who may send what, and when: the sending budgets — the account's, or one per sender line when Linq's limit
 * is per line ({@code LINQ_RATE_LIMIT_SCOPE=line}) — each with its 429 pause, slow start and pace
 * ({@link SenderBudget}), and the queues flights wait in: a shared one any budget may send from, and one per
 * line for flights whose caller named that line. Checks without {@code from} are spread over the lines in
 * rotation. Owned by the dispatcher's event loop.
 */
final class SenderBudgets {

  /** What one round of sending did: whether anything was sent, and when a waiting budget may send next. */
  record Round(boolean sent, long wakeAt) {
  }

  private final EngineOptions options;
  private final SendPacer.Factory pacers;
  /** Flights any budget may send (all of them when the limit is the account's). */
  private final FairQueue<Flight> shared;
  /** Budgets that take from {@link #shared}: the account's, or every known sender line's. */
  private List<SenderBudget> budgets;
  /** Budgets by sender line, including lines only callers have named. */
  private final Map<String, SenderBudget> lines = new HashMap<>();
  private int rotation;

  SenderBudgets(EngineOptions options, SendPacer.Factory pacers) {
    this.options = options;
    this.pacers = pacers;
    this.shared = newQueue();
    this.budgets = List.of(newBudget(null));
  }

  private FairQueue<Flight> newQueue() {
    return new FairQueue<>(options.bulkMinShare(), Map.of());
  }

  private SenderBudget newBudget(String line) {
    return new SenderBudget(line, new SendGate(options.maxConcurrency()), pacers.create(), newQueue());
  }

  private SenderBudget line(String number) {
    return lines.computeIfAbsent(number, this::newBudget);
  }

  /**
   * The account's sender lines are known: with a per-line limit, each gets its own budget and checks
   * without {@code from} are spread over them. Until then (or with an account-wide limit) one budget
   * serves everything and Linq picks the line.
   *
   * @return whether the budgets changed
   */
  boolean onSenderLines(List<String> discovered) {
    if (!options.perLineLimit() || discovered.isEmpty()) {
      return false;
    }
    List<SenderBudget> perLine = new ArrayList<>();
    for (String number : discovered) {
      perLine.add(line(number));
    }
    budgets = List.copyOf(perLine);
    return true;
  }

  /** Budgets that take from the shared queue (one, or one per discovered line). */
  int sharedBudgets() {
    return budgets.size();
  }

  /** Where a new flight waits: a caller's {@code from} pins it to that line's queue when limits are per line. */
  FairQueue<Flight> homeFor(CheckRequest request) {
    if (!options.perLineLimit() || request.from() == null) {
      return shared;
    }
    return line(request.from()).pinned;
  }

  /** Whether the flight's caller named its line, so no other line may send it. */
  boolean pinned(Flight flight) {
    return flight.home != shared;
  }

  /** Budgets that may send the flight. */
  List<SenderBudget> candidates(Flight flight) {
    if (flight.home == shared) {
      return budgets;
    }
    return List.of(lines.get(flight.request.from()));
  }

  /** Whether another line than those that already failed the flight could send it. */
  boolean anotherLineFor(Flight flight) {
    return budgets.stream().anyMatch(other -> !flight.excluded.contains(other.line));
  }

  /** When the earliest budget that may send this flight is out of its 429 pause. */
  long resumeAt(Flight flight, long now) {
    long earliest = Long.MAX_VALUE;
    for (SenderBudget budget : candidates(flight)) {
      earliest = Math.min(earliest, budget.gate.readyAt(now));
    }
    return earliest;
  }

  /** How long until the earliest budget that may send this flight may send at all: its pause, then its pace. */
  long limitWait(Flight flight, long now) {
    long wait = Long.MAX_VALUE;
    for (SenderBudget budget : candidates(flight)) {
      wait = Math.min(wait, budget.readyAt(now) - now);
    }
    return wait;
  }

  /** Time the work ahead of a flight in its queue and lane takes at its budgets' combined rate. */
  long backlogMillis(Flight flight, Priority lane) {
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

  /**
   * One round of sending: each budget, in rotation, sends one flight if it is ready, admits one more request
   * in flight, has a flight it may send, and {@code room} still allows. The next round starts after the
   * last budget that sent, whatever else happened in between (a fixed step per round let one line take
   * every check when rounds came in a fixed rhythm).
   */
  Round sendRound(long now, BooleanSupplier room, BiConsumer<SenderBudget, Flight> send) {
    boolean sent = false;
    long wakeAt = Long.MAX_VALUE;
    List<SenderBudget> round = all();
    int lastSender = -1;
    for (int i = 0; i < round.size() && room.getAsBoolean(); i++) {
      SenderBudget budget = round.get((rotation + i) % round.size());
      FairQueue<Flight> source = sourceFor(budget, now);
      if (source == null) {
        continue;
      }
      long readyAt = budget.readyAt(now);
      if (readyAt > now) {
        wakeAt = Math.min(wakeAt, readyAt);
      } else if (budget.gate.admits(budget.inFlight)) {
        send.accept(budget, source.poll());
        sent = true;
        lastSender = (rotation + i) % round.size();
      }
    }
    if (lastSender >= 0) {
      rotation = lastSender + 1;
    }
    return new Round(sent, wakeAt);
  }

  /** The shared budgets and those only callers' {@code from} named. */
  private List<SenderBudget> all() {
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
    if (!budget.pinned.isEmpty()) {
      return budget.pinned;
    }
    Flight next = budgets.contains(budget) ? shared.peek() : null;
    if (next == null || next.excluded.contains(budget.line)
        || (next.request.service() == Service.RCS && !budget.rcsUsable(now))) {
      return null;
    }
    return shared;
  }

  /** Every queue flights wait in. */
  List<FairQueue<Flight>> queues() {
    List<FairQueue<Flight>> queues = new ArrayList<>();
    queues.add(shared);
    for (SenderBudget line : lines.values()) {
      queues.add(line.pinned);
    }
    return queues;
  }

  /** When checks that any line may send can go again: now, or the end of the shortest pause. */
  long pausedUntil(long now) {
    long earliest = Long.MAX_VALUE;
    for (SenderBudget budget : budgets) {
      earliest = Math.min(earliest, budget.gate.readyAt(now));
    }
    return earliest;
  }

  /**
   * An outside pause: for one sender line, or for the account ({@code line} {@code null}, every budget).
   *
   * @param until engine-clock time the pause ends
   */
  void pauseUntil(String line, long until) {
    for (SenderBudget budget : line == null ? all() : List.of(line(line))) {
      budget.gate.pauseUntil(until);
      budget.pacer.onPauseEnd(until);
    }
  }

  /** What each budget's pacer has learnt of Linq's limit, by {@link SenderBudget#name()}. */
  Map<String, LimitEstimate> learnt() {
    Map<String, LimitEstimate> learnt = new HashMap<>();
    for (SenderBudget budget : all()) {
      LimitEstimate state = budget.pacer.learnt();
      if (state != null) {
        learnt.put(budget.name(), state);
      }
    }
    return learnt;
  }

  /**
   * Sending starts here after it stopped elsewhere (a cluster's previous owner): each budget adopts what was
   * learnt for it (lines this node does not know yet start afresh), and every budget starts at its steady
   * pace, without a burst, since Linq's bucket may be as empty as the previous sender left it.
   */
  void takeOver(Map<String, LimitEstimate> learnt, long now) {
    for (SenderBudget budget : all()) {
      LimitEstimate state = learnt.get(budget.name());
      if (state != null) {
        budget.pacer.adopt(state, now);
      }
      budget.pacer.onPauseEnd(now);
    }
  }

  /** Requests per second allowed now, summed over the shared budgets ({@code Infinity} when unpaced). */
  double rate() {
    double total = 0;
    for (SenderBudget budget : budgets) {
      total += budget.pacer.rate();
    }
    return total;
  }

  /** What {@link #rate()} is based on: unpaced while any shared budget sends unpaced (the sum is unbounded then). */
  SendPacer.State pacing() {
    SendPacer.State state = SendPacer.State.KNOWN;
    for (SenderBudget budget : budgets) {
      state = state.loosest(budget.pacer.state());
    }
    return state;
  }

  /** Sum of the shared budgets' slow-start windows. */
  int window() {
    return budgets.stream().mapToInt(budget -> budget.gate.window()).sum();
  }

  int queued() {
    int total = shared.size();
    for (SenderBudget line : lines.values()) {
      total += line.pinned.size();
    }
    return total;
  }

  int queued(Priority lane) {
    int total = shared.size(lane);
    for (SenderBudget line : lines.values()) {
      total += line.pinned.size(lane);
    }
    return total;
  }
}
