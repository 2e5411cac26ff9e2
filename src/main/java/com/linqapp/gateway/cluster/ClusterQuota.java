package com.linqapp.gateway.cluster;

import com.linqapp.gateway.engine.DispatchListener;
import com.linqapp.gateway.engine.Dispatcher;
import com.linqapp.gateway.engine.Scheduler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the cluster's nodes spend one Linq quota as one gateway:
 * <ul>
 *   <li><b>Split</b>: each node paces at its share, 1 ÷ live members, of the account's limit (known or
 *       learnt), rebalanced on every join and leave. A static split needs no coordination per send and
 *       keeps working when members cannot reach one another; the price is that a node with nothing to
 *       do leaves its share unused.</li>
 *   <li><b>Shared pauses</b>: a 429 seen by any node is published on {@link #PAUSES} with its end as
 *       wall-clock time, and every other node pauses the same budget (the account, or that line) until
 *       then.</li>
 * </ul>
 * In a split brain each side counts only the members it sees and so paces above its true share; the
 * first 429 it receives pauses that whole side for Linq's {@code Retry-After}, and the pacer backs off.
 */
public final class ClusterQuota implements DispatchListener {

  /** Event-bus address of pause announcements. */
  public static final String PAUSES = "gateway.linq.pause";

  private static final Logger log = LoggerFactory.getLogger(ClusterQuota.class);

  private final ClusterNode node;
  private final Context engine;
  private final Scheduler scheduler;
  private Dispatcher dispatcher;

  /**
   * @param engine    the engine's context: every change to the dispatcher happens there
   * @param scheduler the engine's clock, to turn announced wall-clock ends into engine time
   */
  public ClusterQuota(ClusterNode node, Context engine, Scheduler scheduler) {
    this.node = node;
    this.engine = engine;
    this.scheduler = scheduler;
  }

  /** Starts listening to announcements and membership; call on the engine's context. */
  public Future<Void> attach(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
    MessageConsumer<JsonObject> pauses = node.vertx().eventBus().consumer(PAUSES, message -> {
      JsonObject pause = message.body();
      if (!node.nodeId().equals(pause.getString("node"))) {
        long remaining = pause.getLong("until") - System.currentTimeMillis();
        if (remaining > 0) {
          dispatcher.pauseUntil(pause.getString("line"), scheduler.now() + remaining);
        }
      }
    });
    node.onMembershipChange(() -> engine.runOnContext(v -> rebalance()));
    rebalance();
    return pauses.completion();
  }

  private void rebalance() {
    int members = Math.max(1, node.members());
    dispatcher.shareRate(1.0 / members);
    log.info("Cluster has {} member(s); this node paces at 1/{} of Linq's limit", members, members);
  }

  /** A local 429: tell every other node, so none of them sends inside the pause. */
  @Override
  public void onPause(String line, long millis) {
    JsonObject pause = new JsonObject().put("node", node.nodeId()).put("until", System.currentTimeMillis() + millis);
    if (line != null) {
      pause.put("line", line);
    }
    node.vertx().eventBus().publish(PAUSES, pause);
  }

  /** For health: live members, this one included. */
  public int members() {
    return node.members();
  }

  public boolean active() {
    return node.active();
  }
}
