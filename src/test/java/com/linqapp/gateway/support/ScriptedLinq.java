package com.linqapp.gateway.support;

import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linq port for virtual-time unit tests of the dispatcher: each call is recorded with the virtual
 * time it was sent at and stays open until the test settles it. (Real exchanges are covered by the
 * integration tests against the simulator; here the point is exact timing.)
 */
public final class ScriptedLinq implements LinqClient {

  /** One request the dispatcher sent. */
  public static final class Call {
    public final Service service;
    public final String address;
    public final String from;
    public final long sentAt;
    final Promise<LinqOutcome> outcome = Promise.promise();

    Call(Service service, String address, String from, long sentAt) {
      this.service = service;
      this.address = address;
      this.from = from;
      this.sentAt = sentAt;
    }

    public void settle(LinqOutcome result) {
      outcome.complete(result);
    }
  }

  private final FakeScheduler scheduler;
  public final List<Call> calls = new ArrayList<>();
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
