package com.linqapp.gateway.cluster;

import com.linqapp.gateway.cluster.ClusterNode.GatewayMember;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which gateway sends to Linq for the whole cluster: the <em>oldest</em> gateway that is not leaving.
 *
 * <p>Every gateway computes the same owner from what it already has: Hazelcast's member list, which is
 * ordered by join and the same on every member, filtered by the gateway attribute ({@link ClusterNode}).
 * No election messages, no lock; consumer applications are members but never gateways, so they never count.
 * The owner changes only when it leaves or dies — a join changes nothing — which is why the oldest is chosen
 * rather than a hash over the gateways (that would move the account's dispatch, its queue and what its pacer
 * learnt, on every join).
 *
 * <p>A gateway that drains announces on {@link #LEAVING} that it is leaving: from then on the next one owns,
 * while the leaving one finishes what it has in flight. Members that never hear the announcement find out
 * when it leaves the member list.
 *
 * <p>Confined to the engine's context: membership events arrive on Hazelcast's threads and are handed over.
 */
final class Ownership {

  /** Event-bus address where a draining gateway announces {@code {"gateway": id}}. */
  static final String LEAVING = "gateway.cluster.leaving";

  private static final Logger log = LoggerFactory.getLogger(Ownership.class);

  private final ClusterNode node;
  private final Context engine;
  private final Set<String> leaving = new HashSet<>();
  private final List<Runnable> listeners = new ArrayList<>();
  private List<GatewayMember> gateways = List.of();
  private GatewayMember owner;

  Ownership(ClusterNode node, Context engine) {
    this.node = node;
    this.engine = engine;
  }

  /** Follows membership and leaving announcements from now on; call on the engine's context. */
  Future<Void> start() {
    MessageConsumer<JsonObject> announcements = node.vertx().eventBus().consumer(LEAVING, message -> {
      leaving.add(message.body().getString("gateway"));
      recompute();
    });
    node.onMembershipChange(() -> engine.runOnContext(v -> recompute()));
    recompute();
    return announcements.completion();
  }

  /** Calls {@code listener} on the engine's context after every change of the gateways or of their owner. */
  void onChange(Runnable listener) {
    listeners.add(listener);
  }

  /** The gateway sending for the cluster, or {@code null} when none is left (this one leaving included). */
  GatewayMember owner() {
    return owner;
  }

  /** Whether this gateway sends for the cluster. */
  boolean owns() {
    return owner != null && owner.id().equals(node.gatewayId());
  }

  /** Whether {@code gatewayId} is a live gateway (leaving or not). */
  boolean isGateway(String gatewayId) {
    return gateways.stream().anyMatch(gateway -> gateway.id().equals(gatewayId));
  }

  /** Live gateways, oldest first. */
  List<GatewayMember> gateways() {
    return gateways;
  }

  /** This gateway leaves (it drains): the next one owns from now on. */
  void leave() {
    leaving.add(node.gatewayId());
    node.vertx().eventBus().publish(LEAVING, new JsonObject().put("gateway", node.gatewayId()));
    recompute();
  }

  private void recompute() {
    gateways = node.gateways();
    leaving.removeIf(id -> !id.equals(node.gatewayId()) && !isGateway(id));
    GatewayMember chosen = gateways.stream().filter(gateway -> !leaving.contains(gateway.id())).findFirst()
        .orElse(null);
    if (!Objects.equals(chosen, owner)) {
      log.info("Cluster: {} gateway(s); {} sends to Linq for the cluster{}", gateways.size(),
          chosen == null ? "no gateway" : chosen.address(),
          chosen != null && chosen.id().equals(node.gatewayId()) ? " (this gateway)" : "");
    }
    owner = chosen;
    listeners.forEach(Runnable::run);
  }
}
