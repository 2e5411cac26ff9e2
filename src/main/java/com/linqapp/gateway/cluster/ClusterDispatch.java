package com.linqapp.gateway.cluster;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.cluster.ClusterNode.GatewayMember;
import com.linqapp.gateway.engine.CheckService;
import com.linqapp.gateway.engine.Dispatch;
import com.linqapp.gateway.engine.Dispatcher;
import com.linqapp.gateway.engine.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's {@link Dispatch} in a cluster: the owner ({@link Ownership}) sends to Linq for every gateway,
 * the others forward it the checks their caches could not answer, over the clustered event bus, and relay
 * its answers.
 *
 * <p>A forwarded check is an ordinary {@code capability.check} request sent to the owner's own endpoint
 * ({@link #endpoint}), with the time left to its deadline (never a time of day: clocks differ), its request
 * id and client; the owner answers it through its cache and its dispatcher, so checks of one address from
 * every gateway share one flight, one pace and one set of budgets.
 *
 * <p>Ownership moves when the owner leaves or dies. A check is asked again, of the next owner, when the
 * one it went to
 * <ul>
 *   <li>is gone from the members (it died): at once, whatever it had not answered;</li>
 *   <li>answers 503/9002, or has no endpoint: it is not, or no longer, the owner (it drains and hands its
 *       queue over, or the views of the cluster differ for a moment): at once if ownership has moved, else
 *       after {@value #RETRY_MILLIS} ms;</li>
 * </ul>
 * always within the check's own deadline. A check that was in flight at Linq on an owner that died may so
 * cost a second call; the caller still gets one answer.
 *
 * <p>Confined to the engine's context.
 */
final class ClusterDispatch implements Dispatch {

  /** Event-bus addresses of a gateway's dispatch endpoint start with this, then its id. */
  static final String ENDPOINT_PREFIX = "gateway.dispatch.";
  /** Wait before asking again when the owner refused and ownership has not moved (yet). */
  static final long RETRY_MILLIS = 100;

  /** The gateway a check was forwarded to died before answering it. */
  private static final CheckException OWNER_GONE = new CheckException(503, ErrorCodes.SHUTTING_DOWN,
      "The gateway sending for the cluster left before it answered; retry", 1, null);
  /** A forwarded check reached a gateway that does not send for the cluster. */
  private static final CheckException NOT_OWNER = new CheckException(503, ErrorCodes.SHUTTING_DOWN,
      "This gateway does not send for the cluster now; ask the one that does", 1, null);

  private final ClusterNode node;
  private final Ownership ownership;
  private final Dispatcher dispatcher;
  private final CheckService ownerChecks;
  private final Scheduler scheduler;
  private final long defaultTimeoutMillis;
  private final Map<Long, Forward> forwards = new HashMap<>();
  private final Map<String, CapabilityClient> owners = new HashMap<>();
  private long nextForward;
  private Future<Void> ready = Future.succeededFuture();
  private CheckException closed;

  /** A check forwarded to {@code owner} and not answered yet. */
  private record Forward(String owner, String requestId, Promise<CheckResult> answer) {
  }

  /**
   * @param dispatcher  this gateway's dispatcher: used while it owns
   * @param ownerChecks what this gateway runs, as owner, for a check forwarded to it: the cache, then
   *                    {@code dispatcher}
   */
  ClusterDispatch(ClusterNode node, Ownership ownership, Dispatcher dispatcher, CheckService ownerChecks,
                  Scheduler scheduler, long defaultTimeoutMillis) {
    this.node = node;
    this.ownership = ownership;
    this.dispatcher = dispatcher;
    this.ownerChecks = ownerChecks;
    this.scheduler = scheduler;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
  }

  /** Where a gateway takes the checks forwarded to it. */
  static CapabilityBus.Endpoint endpoint(String gatewayId) {
    return new CapabilityBus.Endpoint(ENDPOINT_PREFIX + gatewayId, ENDPOINT_PREFIX + gatewayId + ".cancel");
  }

  @Override
  public Future<CheckResult> submit(CheckRequest request) {
    return route(request);
  }

  /** Pauses are announced to every gateway ({@link PauseAnnouncements}), so this gateway's own dispatcher knows. */
  @Override
  public long pausedUntil(long now) {
    return dispatcher.pausedUntil(now);
  }

  /** This gateway's dispatcher may send for the cluster once {@code ready} completes (it took over). */
  void takeOver(Future<Void> ready) {
    this.ready = ready;
  }

  /** A check another gateway forwarded: served while this gateway owns, else refused so it asks the owner. */
  Future<CheckResult> serveForwarded(CheckRequest request) {
    if (closed != null || !ownership.owns()) {
      return Future.failedFuture(NOT_OWNER);
    }
    return ready.compose(v -> ownerChecks.check(request));
  }

  private Future<CheckResult> route(CheckRequest request) {
    GatewayMember owner = ownership.owner();
    if (closed != null || owner == null) {
      return Future.failedFuture(closed != null ? closed : CheckException.shuttingDown(1));
    }
    boolean here = owner.id().equals(node.gatewayId());
    Future<CheckResult> attempt = here ? ready.compose(v -> dispatcher.submit(request)) : forward(request, owner.id());
    return attempt.recover(failure -> askAgain(request, owner.id(), here, failure));
  }

  private Future<CheckResult> askAgain(CheckRequest request, String asked, boolean here, Throwable failure) {
    if (closed != null || !notOwner(failure)) {
      return Future.failedFuture(failure);
    }
    GatewayMember owner = ownership.owner();
    if (owner != null && !owner.id().equals(asked)) {
      return route(request); // ownership moved: ask the new owner at once
    }
    long left = request.deadlineMillis() - scheduler.now();
    if (here || left <= RETRY_MILLIS) {
      return Future.failedFuture(failure); // this gateway's own refusal stands; or no time left to ask again
    }
    Promise<Void> later = Promise.promise();
    scheduler.schedule(RETRY_MILLIS, () -> later.complete());
    return later.future().compose(v -> route(request));
  }

  /** 503/9002: the gateway asked does not (or no longer) send for the cluster, or is not there. */
  private static boolean notOwner(Throwable failure) {
    return failure instanceof CheckException error && error.status() == 503
        && error.code() == ErrorCodes.SHUTTING_DOWN;
  }

  private Future<CheckResult> forward(CheckRequest request, String owner) {
    long left = request.deadlineMillis() - scheduler.now();
    if (left <= 0) {
      return Future.failedFuture(CheckException.upstreamTimeout());
    }
    CheckQuery query = new CheckQuery(request.service(), request.address(), request.from(), left,
        request.freshness(), request.priority());
    long id = nextForward++;
    Promise<CheckResult> answer = Promise.promise();
    forwards.put(id, new Forward(owner, request.requestId(), answer));
    client(owner).check(query, request.requestId(), request.client(), request.group()).onComplete(done -> {
      if (done.succeeded()) {
        answer.tryComplete(done.result());
      } else {
        answer.tryFail(done.cause());
      }
    });
    return answer.future().onComplete(done -> forwards.remove(id));
  }

  private CapabilityClient client(String owner) {
    return owners.computeIfAbsent(owner, id -> CapabilityClient.direct(node.vertx(), endpoint(id),
        defaultTimeoutMillis));
  }

  /** The gateways changed: checks forwarded to one that is gone are asked again of the owner now. */
  void onGatewaysChanged() {
    owners.keySet().removeIf(id -> !ownership.isGateway(id));
    for (Forward forward : List.copyOf(forwards.values())) {
      if (!ownership.isGateway(forward.owner())) {
        forward.answer().tryFail(OWNER_GONE);
      }
    }
  }

  /**
   * The callers of {@code requestId} went away: withdraws their checks here and at the owners they were
   * forwarded to.
   *
   * @return how many were withdrawn here
   */
  int cancel(String requestId) {
    Set<String> askedOwners = new HashSet<>();
    for (Forward forward : forwards.values()) {
      if (requestId.equals(forward.requestId())) {
        askedOwners.add(forward.owner());
      }
    }
    askedOwners.forEach(owner -> client(owner).cancel(requestId));
    return dispatcher.cancel(requestId);
  }

  /** From now on checks are answered {@code error} at once, those forwarded and not answered included. */
  void close(CheckException error) {
    closed = error;
    for (Forward forward : List.copyOf(forwards.values())) {
      forward.answer().tryFail(error);
    }
  }
}
