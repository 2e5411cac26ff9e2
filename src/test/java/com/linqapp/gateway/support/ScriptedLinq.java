package com.linqapp.gateway.support;

import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Linq port for virtual-time unit tests of the dispatcher: each call is recorded with the virtual
 * time it was sent at and stays open until the test settles it. (Real exchanges are covered by the
 * integration tests against the simulator; here the point is exact timing.)
 */
public final class ScriptedLinq implements LinqClient {

  /** One request the dispatcher sent. */
  public final class Call {
    public final Service service;
    public final String address;
    public final String from;
    public final long sentAt;
    /** When the request was written: at once, unless {@link #connectLater} held it; -1 until then. */
    public long leftAt = -1;
    final Promise<LinqOutcome> outcome = Promise.promise();
    private Supplier<Future<Void>> departure;

    Call(Service service, String address, String from, long sentAt) {
      this.service = service;
      this.address = address;
      this.from = from;
      this.sentAt = sentAt;
    }

    public void settle(LinqOutcome result) {
      outcome.complete(result);
    }

    /** Its connection is there now: the request leaves when the engine's departure says so. */
    public void connect() {
      departure.get().onSuccess(leave -> leftAt = scheduler.now());
    }
  }

  private final FakeScheduler scheduler;
  public final List<Call> calls = new ArrayList<>();
  private boolean connectLater;
  private LinqOutcome probeOutcome = new LinqOutcome.SenderLines(List.of("+12025550101"), null);
  public int probes;

  public ScriptedLinq(FakeScheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis) {
    Call call = new Call(service, address, from, scheduler.now());
    calls.add(call);
    return call.outcome.future();
  }

  /**
   * Every call from now on waits for its connection until the test {@link Call#connect}s it (as when the pool
   * opens a new connection), and is written when its departure completes.
   */
  public void connectLater() {
    connectLater = true;
  }

  @Override
  public Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis,
                                   Supplier<Future<Void>> departure) {
    Future<LinqOutcome> outcome = check(service, address, from, timeoutMillis);
    Call call = calls.get(calls.size() - 1);
    call.departure = departure;
    if (!connectLater) {
      call.connect();
    }
    return outcome;
  }

  @Override
  public Future<LinqOutcome> senderLines() {
    probes++;
    return Future.succeededFuture(probeOutcome);
  }

  public void probeAnswers(LinqOutcome outcome) {
    this.probeOutcome = outcome;
  }

  /** Calls not settled yet. */
  public List<Call> open() {
    return calls.stream().filter(c -> !c.outcome.future().isComplete()).toList();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
