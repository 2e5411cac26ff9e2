package com.linqapp.gateway.support;

import com.hazelcast.config.Config;
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

  /** Joins cluster {@code name} on loopback port {@code port}, seeded with {@code memberPorts}. */
  public static Vertx join(String name, int port, List<Integer> memberPorts) {
    Config config = new Config();
    config.setClusterName(name);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
        .setMembers(memberPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    try {
      return Vertx.builder().withClusterManager(new HazelcastClusterManager(config)).buildClustered()
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the foreign application could not join: " + e, e);
    }
  }
}
