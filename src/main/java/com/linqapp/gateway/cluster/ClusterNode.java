package com.linqapp.gateway.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.linqapp.gateway.config.ClusterOptions;
import com.linqapp.gateway.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * This gateway's membership of a Vert.x cluster on Hazelcast: how it joins ({@code conf/hazelcast.xml},
 * or the jar's copy, overridden by the gateway's cluster settings: name, bind address and port, TCP/IP
 * seed members, the event bus's bind and advertised addresses, optional mutual TLS) and what the
 * gateway needs to know of it afterwards (members, the gateways among them, health).
 *
 * <p>A gateway joins with the member attribute {@value #GATEWAY_ATTRIBUTE} set to an id of its own; other
 * Vert.x applications that join to use {@code capability.check} have none, so the gateways can tell
 * themselves apart from them without any registration.
 */
public final class ClusterNode {

  /** Hazelcast configuration file, relative to the working directory. */
  public static final String HAZELCAST_FILE = "conf/hazelcast.xml";

  /** The Hazelcast member attribute only gateways set: its value is the gateway's id. */
  public static final String GATEWAY_ATTRIBUTE = "linq-gateway";

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final String name;
  private final String gatewayId;

  private ClusterNode(Vertx vertx, HazelcastClusterManager manager, String name, String gatewayId) {
    this.vertx = vertx;
    this.manager = manager;
    this.name = name;
    this.gatewayId = gatewayId;
  }

  /**
   * Joins the cluster; completes when this node is a member and its event bus listens.
   *
   * @param metrics Vert.x's metrics factory, or {@code null} for none
   */
  public static Future<ClusterNode> join(ClusterOptions cluster, VertxOptions base, VertxMetricsFactory metrics) {
    String gatewayId = UUID.randomUUID().toString();
    HazelcastClusterManager manager = new HazelcastClusterManager(markAsGateway(hazelcastConfig(cluster), gatewayId));
    VertxOptions options = new VertxOptions(base).setEventBusOptions(eventBusOptions(cluster));
    VertxBuilder builder = Vertx.builder().with(options).withClusterManager(manager);
    if (metrics != null) {
      builder.withMetrics(metrics);
    }
    return builder.buildClustered().map(vertx -> new ClusterNode(vertx, manager, cluster.name(), gatewayId));
  }

  /** Sets the member attribute that tells gateways from other members, with this gateway's id. */
  static Config markAsGateway(Config config, String gatewayId) {
    config.getMemberAttributeConfig().setAttribute(GATEWAY_ATTRIBUTE, gatewayId);
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return manager.getNodeId();
  }

  /** The cluster's name, also the salt of shared keys. */
  public String name() {
    return name;
  }

  public HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }

  /** This gateway's id among the gateways (its {@value #GATEWAY_ATTRIBUTE} attribute), stable while it runs. */
  public String gatewayId() {
    return gatewayId;
  }

  /** A gateway of the cluster: its id, and its Hazelcast address for people to read. */
  public record GatewayMember(String id, String address) {
  }

  /**
   * The gateways among the live members, oldest first: Hazelcast lists members in the order they joined,
   * the same on every member. Empty once this node has left.
   */
  public List<GatewayMember> gateways() {
    if (!active()) {
      return List.of();
    }
    List<GatewayMember> gateways = new ArrayList<>();
    for (Member member : hazelcast().getCluster().getMembers()) {
      String id = member.getAttribute(GATEWAY_ATTRIBUTE);
      if (id != null) {
        gateways.add(new GatewayMember(id, member.getAddress().getHost() + ":" + member.getAddress().getPort()));
      }
    }
    return gateways;
  }

  /**
   * A Hazelcast map, obtained off the event loop: the first use of a map's name creates its proxy on every
   * member and waits for them, which takes seconds while members join or leave.
   */
  public <K, V> Future<IMap<K, V>> map(String name) {
    return vertx.executeBlocking(() -> hazelcast().<K, V>getMap(name));
  }

  /** Live members, this one included (0 once this node has left). */
  public int members() {
    return active() ? hazelcast().getCluster().getMembers().size() : 0;
  }

  /** Whether this node is a running member. */
  public boolean active() {
    return manager.isActive() && manager.getHazelcastInstance().getLifecycleService().isRunning();
  }

  /** Calls {@code onChange} (on a Hazelcast thread) whenever a member joins or leaves. */
  public void onMembershipChange(Runnable onChange) {
    hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        onChange.run();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        onChange.run();
      }
    });
  }

  static Config hazelcastConfig(ClusterOptions cluster) {
    Config config = loadXml();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.local.localAddress", cluster.host());
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members().isEmpty()
        ? List.of(cluster.host() + ":" + cluster.port()) : cluster.members());
    return config;
  }

  private static Config loadXml() {
    Path file = Path.of(HAZELCAST_FILE);
    try (InputStream in = Files.isRegularFile(file) ? Files.newInputStream(file)
        : ClusterNode.class.getResourceAsStream("/hazelcast-gateway.xml")) {
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
