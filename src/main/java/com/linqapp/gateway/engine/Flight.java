package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.CheckResult.Source;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.engine.queue.FairQueue;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One question to Linq, and everyone waiting for its answer. It lives in one of four states — queued, in
 * flight, backing off, done — and is owned by the dispatcher's event loop.
 */
final class Flight implements FairQueue.Entry, FlightView {

  enum State { QUEUED, IN_FLIGHT, BACKING_OFF, DONE }

  final long seq;
  final CheckKey key;
  /** The first caller's request: its lane, client and sender line decide how the flight is sent. */
  final CheckRequest request;
  /** The queue it waits in: the shared one, or a line's when the caller named that line. */
  final FairQueue<Flight> home;
  final List<Waiter> waiters = new ArrayList<>(1);
  /** Lines that gave an RCS sender-line fault for this check. */
  final Set<String> excluded = new HashSet<>(0);
  State state = State.QUEUED;
  int faults;
  int attempts;
  /** When the last attempt left for Linq: sent, then written once a connection was there for it. */
  long leftAt;
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
  public Service service() {
    return key.service();
  }

  @Override
  public List<CheckRequest> callers() {
    List<CheckRequest> callers = new ArrayList<>(waiters.size());
    for (Waiter waiter : waiters) {
      callers.add(waiter.request);
    }
    return callers;
  }

  @Override
  public int attempts() {
    return attempts;
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

  @Override
  public String group() {
    return request.group();
  }

  /** One caller of a flight, answered at its own deadline at the latest. */
  static final class Waiter {
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
