package com.linqapp.gateway.support;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A plain Vert.x application joined to a gateway cluster to use {@code capability.check}: not the gateway's
 * code, a hand-made Hazelcast configuration with only the cluster's name, its own port, the TCP/IP members
 * and multicast off — what a consumer application of the README does.
 */
public final class ForeignApplication {

  private ForeignApplication() {
  }

  /** A joined application: its Vert.x, and its Hazelcast member (to look at the cluster as a member sees it). */
  public record Member(Vertx vertx, HazelcastInstance hazelcast) {
  }

  /** Joins cluster {@code name} on loopback port {@code port}, seeded with {@code memberPorts}. */
  public static Vertx join(String name, int port, List<Integer> memberPorts) {
    return joinAsMember(name, port, memberPorts).vertx();
  }

  /** {@link #join}, with the Hazelcast member. */
  public static Member joinAsMember(String name, int port, List<Integer> memberPorts) {
    Config config = new Config();
    config.setClusterName(name);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // as the README asks of consumer applications: the gateways call a member dead after 5 s without a
    // heartbeat, and Hazelcast's default is one every 5 s
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
        .setMembers(memberPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    try {
      Vertx vertx = Vertx.builder().withClusterManager(manager).buildClustered()
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new Member(vertx, manager.getHazelcastInstance());
    } catch (Exception e) {
      throw new AssertionError("the foreign application could not join: " + e, e);
    }
  }
}
