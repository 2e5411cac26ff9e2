package com.linqapp.gateway.cluster;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.cluster.ClusterNode.GatewayMember;
import com.linqapp.gateway.engine.CheckService;
import com.linqapp.gateway.engine.Dispatch;
import com.linqapp.gateway.engine.Dispatcher;
import com.linqapp.gateway.engine.Scheduler;
import com.linqapp.gateway.engine.budget.ClientBudgets;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Makes the cluster's gateways spend one Linq quota as one gateway would: one of them, the owner, sends to
 * Linq for all. See {@code docs/cluster-quota.md} for the design and the numbers that decided it.
 *
 * <ul>
 *   <li><b>One dispatcher for the account.</b> Every gateway runs its engine, but only the owner's
 *       dispatcher sends; the others forward the checks their caches cannot answer to it
 *       ({@link ClusterDispatch}). Its flights coalesce a new address asked on every gateway into one call,
 *       its pacer uses the whole limit — all of it for a gateway that has all the work, whichever gateway
 *       that is — and learns an unknown limit once, and its budgets count every client's checks.</li>
 *   <li><b>Only gateways count.</b> The owner is the oldest gateway ({@link Ownership}); consumer
 *       applications that join to use {@code capability.check} are members, never gateways: they change
 *       nothing.</li>
 *   <li><b>Handing over.</b> The owner keeps what it learnt of the limit and the budgets' counts in shared
 *       maps for the next owner ({@link OwnerState}); every gateway keeps the 429 pauses
 *       ({@link PauseAnnouncements}). A draining owner announces it is leaving and hands its queue over; one
 *       that dies is replaced when Hazelcast declares it dead, and the checks forwarded to it are asked
 *       again of the next owner within their deadlines.</li>
 *   <li><b>Split brain.</b> Each side has its own oldest gateway, which sends at the whole limit until its
 *       first 429 pauses it.</li>
 * </ul>
 *
 * <p>Confined to the engine's context, where it is built.
 */
public final class ClusterQuota {

  /** A check this gateway had not sent when another one took over: its caller asks that one. */
  /** Longest a leaving owner waits for its last writes before it announces that it leaves. */
  static final long LEAVE_WRITE_WAIT_MILLIS = 1_000;

  private static final CheckException HANDED_OVER = new CheckException(503, ErrorCodes.SHUTTING_DOWN,
      "Another gateway sends for the cluster now; ask it", 1, null);

  private final ClusterNode node;
  private final Dispatcher dispatcher;
  private final PauseAnnouncements pauses;
  private final Ownership ownership;
  private final OwnerState state;
  private final ClusterDispatch dispatch;
  private boolean owning;

  /**
   * @param engine      the engine's context, where everything here runs
   * @param scheduler   the engine's clock and timers
   * @param wallClock   milliseconds since the epoch: the UTC day client budgets count in
   * @param dispatcher  this gateway's dispatcher, which sends while it owns
   * @param ownerChecks what this gateway runs, as owner, for a check another one forwarded: the cache, then
   *                    {@code dispatcher}
   * @param budgets     the client budgets {@code dispatcher} admits with
   * @param pauses      the announcements {@code dispatcher} publishes its 429s with
   * @param defaultTimeoutMillis the gateway's default deadline, to size forwarded requests' send timeouts
   */
  public ClusterQuota(ClusterNode node, Context engine, Scheduler scheduler, LongSupplier wallClock,
                      Dispatcher dispatcher, CheckService ownerChecks, ClientBudgets budgets,
                      PauseAnnouncements pauses, long defaultTimeoutMillis) {
    this.node = node;
    this.dispatcher = dispatcher;
    this.pauses = pauses;
    this.ownership = new Ownership(node, engine);
    this.state = new OwnerState(node, engine, dispatcher, budgets, wallClock);
    this.dispatch = new ClusterDispatch(node, ownership, dispatcher, ownerChecks, scheduler, defaultTimeoutMillis);
  }

  /** Hears pauses and follows the gateways from now on; call on the engine's context. */
  public Future<Void> start() {
    ownership.onChange(this::onGatewaysChanged);
    return Future.all(List.of(pauses.listen(dispatcher), ownership.start())).mapEmpty();
  }

  private void onGatewaysChanged() {
    boolean owns = ownership.owns();
    boolean handOver = !owns && owning && ownership.owner() != null;
    if (owns && !owning) {
      dispatch.takeOver(state.takeOver());
    } else if (!owns && owning) {
      state.stepDown();
    }
    owning = owns;
    dispatch.onGatewaysChanged();
    if (handOver) {
      // Another gateway sends from now on (this one leaves, or a healed split brain chose the other side's):
      // what this one has not sent is answered 503/9002, and its callers ask the new owner.
      dispatcher.failQueued(HANDED_OVER);
    }
  }

  /** Where the engine's checks go: the owner's dispatcher, here or on another gateway. */
  public Dispatch dispatch() {
    return dispatch;
  }

  /** Where this gateway takes the checks other gateways forward to it; serve them with {@link #serveForwarded}. */
  public CapabilityBus.Endpoint endpoint() {
    return ClusterDispatch.endpoint(node.gatewayId());
  }

  /** A check another gateway forwarded: answered while this gateway owns; else 503/9002, and it asks the owner. */
  public Future<CheckResult> serveForwarded(CheckRequest request) {
    return dispatch.serveForwarded(request);
  }

  /** Withdraws the checks of {@code requestId} here and wherever they were forwarded. */
  public int cancel(String requestId) {
    return dispatch.cancel(requestId);
  }

  /**
   * This gateway drains: it keeps what it learnt for the next owner and announces that it leaves. If it was
   * the owner and another gateway takes over, its checks not yet sent are answered 503/9002, so their
   * callers (forwarding gateways, and its own through {@link #dispatch}) ask the next owner; what is in
   * flight at Linq finishes here. A gateway alone drains its queue itself.
   *
   * @return completes when the next owner is told; never fails
   */
  public Future<Void> leave() {
    Promise<Void> kept = Promise.promise();
    if (owning) {
      // the maps may not answer (a member frozen, a network split): the drain's grace is not theirs to spend
      long timer = node.vertx().setTimer(LEAVE_WRITE_WAIT_MILLIS, id -> kept.tryComplete());
      state.publish().onComplete(done -> {
        node.vertx().cancelTimer(timer);
        kept.tryComplete();
      });
    } else {
      kept.complete();
    }
    return kept.future().map(v -> {
      ownership.leave();
      return null;
    });
  }

  /** The end of a drain: every check still unanswered, here or forwarded, is answered {@code error}. */
  public void close(CheckException error) {
    dispatch.close(error);
    state.stepDown();
  }

  /** For health: membership, the gateways and which one sends for the cluster. */
  public JsonObject status() {
    GatewayMember owner = ownership.owner();
    return new JsonObject().put("active", node.active()).put("members", node.members())
        .put("gateways", ownership.gateways().size())
        .put("owner", owner == null ? null : owner.address())
        .put("owns", ownership.owns());
  }

  /** Whether this node is a running member. */
  public boolean active() {
    return node.active();
  }
}
