package com.linqapp.gateway.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import com.linqapp.gateway.config.ClusterOptions;
import com.linqapp.gateway.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds a clustered Vert.x on Hazelcast from {@code conf/hazelcast.xml} (or the jar's copy) and the
 * gateway's cluster settings, which win: cluster name, bind address and port, TCP/IP seed members,
 * the event bus's bind and advertised addresses, and optional mutual TLS between nodes.
 */
public final class ClusterSetup {

  /** Hazelcast configuration file, relative to the working directory. */
  public static final String HAZELCAST_FILE = "conf/hazelcast.xml";

  private ClusterSetup() {
  }

  /** Joins the cluster; completes when this node is a member and its event bus listens. */
  public static Future<Vertx> clusteredVertx(ClusterOptions cluster, VertxOptions base) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(cluster));
    VertxOptions options = new VertxOptions(base).setEventBusOptions(eventBusOptions(cluster));
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered();
  }

  /** The same, with Vert.x metrics left as {@code base} says (tests). */
  public static Future<Vertx> clusteredVertx(ClusterOptions cluster) {
    return clusteredVertx(cluster, new VertxOptions());
  }

  static Config hazelcastConfig(ClusterOptions cluster) {
    Config config = loadXml();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.local.localAddress", cluster.host());
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(cluster.host()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members().isEmpty()
        ? java.util.List.of(cluster.host() + ":" + cluster.port()) : cluster.members());
    return config;
  }

  private static Config loadXml() {
    Path file = Path.of(HAZELCAST_FILE);
    try (InputStream in = Files.isRegularFile(file) ? Files.newInputStream(file)
        : ClusterSetup.class.getResourceAsStream("/hazelcast-gateway.xml")) {
      return new XmlConfigBuilder(in).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(HAZELCAST_FILE + " is not a usable Hazelcast configuration: " + e.getMessage());
    }
  }

  static EventBusOptions eventBusOptions(ClusterOptions cluster) {
    EventBusOptions options = new EventBusOptions()
        .setHost(cluster.eventBusHost()).setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.eventBusPublicHost());
    if (cluster.eventBusPublicPort() > 0) {
      options.setClusterPublicPort(cluster.eventBusPublicPort());
    }
    if (cluster.tls()) {
      options.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PfxOptions().setPath(cluster.tlsKeyStore()).setPassword(cluster.tlsKeyStorePassword()))
          .setTrustOptions(new PfxOptions().setPath(cluster.tlsTrustStore())
              .setPassword(cluster.tlsTrustStorePassword()));
    }
    return options;
  }
}
