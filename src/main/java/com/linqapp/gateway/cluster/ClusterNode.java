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
import com.linqapp.gateway.config.ClusterOptions.Discovery;
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
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's membership of a Vert.x cluster on Hazelcast: how it joins and what the gateway needs to
 * know of it afterwards (members, the gateways among them, health).
 *
 * <p>Joining follows {@link Discovery}. With {@code tcp} and {@code kubernetes}, {@code conf/hazelcast.xml}
 * (or the jar's copy) holds the rest and the gateway's settings override its name, bind address and port,
 * and join: TCP/IP to the seed members, or Hazelcast's Kubernetes discovery looking up a headless Service in
 * DNS. With {@code config} the user's Hazelcast file is taken as it is, and the gateway adds only what it
 * must, logging each change. The event bus binds to the cluster's address unless told otherwise, with
 * optional mutual TLS.
 *
 * <p>A gateway joins with the member attribute {@value #GATEWAY_ATTRIBUTE} set to an id of its own; other
 * Vert.x applications that join to use {@code capability.check} have none, so the gateways can tell
 * themselves apart from them without any registration.
 */
public final class ClusterNode {

  /** Hazelcast configuration file, relative to the working directory. */
  public static final String HAZELCAST_FILE = "conf/hazelcast.xml";

  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  private static final String SHUTDOWN_HOOK = "hazelcast.shutdownhook.enabled";

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
   * @throws ConfigException when the settings cannot make a member (unknown host, unusable file)
   */
  public static Future<ClusterNode> join(ClusterOptions cluster, VertxOptions base, VertxMetricsFactory metrics) {
    HazelcastSetup setup = hazelcastSetup(cluster);
    log.info("Cluster '{}': {}", setup.config().getClusterName(), setup.summary());
    setup.changes().forEach(change -> log.info("Cluster configuration {}: {}", cluster.configFile(), change));
    String gatewayId = UUID.randomUUID().toString();
    HazelcastClusterManager manager = new HazelcastClusterManager(markAsGateway(setup.config(), gatewayId));
    VertxOptions options = new VertxOptions(base).setEventBusOptions(eventBusOptions(cluster, setup.address()));
    VertxBuilder builder = Vertx.builder().with(options).withClusterManager(manager);
    if (metrics != null) {
      builder.withMetrics(metrics);
    }
    return builder.buildClustered()
        .map(vertx -> new ClusterNode(vertx, manager, setup.config().getClusterName(), gatewayId));
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

  /**
   * Hazelcast's configuration for this node, and what the gateway changed in a user's file.
   *
   * @param address this node's resolved bind address, or {@code null} when the user's file decides it
   * @param summary how this node joins, for the startup log
   * @param changes what the gateway changed in the user's file ({@link Discovery#CONFIG}), for the log
   */
  record HazelcastSetup(Config config, String address, String summary, List<String> changes) {
  }

  static HazelcastSetup hazelcastSetup(ClusterOptions cluster) {
    return cluster.discovery() == Discovery.CONFIG ? fromUserFile(cluster) : fromGatewayFile(cluster);
  }

  /** The gateway's file with its settings applied: name, address, port, and the discovery's join. */
  private static HazelcastSetup fromGatewayFile(ClusterOptions cluster) {
    String address = bindAddress(cluster);
    Config config = loadXml();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.local.localAddress", address);
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(address));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    String where = "Hazelcast on " + address + ":" + cluster.port();
    if (cluster.discovery() == Discovery.KUBERNETES) {
      join.getTcpIpConfig().setEnabled(false);
      // DNS lookup mode: the headless Service's records are the pods; every pod listens on the same port.
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesServiceDns())
          .setProperty("service-port", String.valueOf(cluster.port()));
      return new HazelcastSetup(config, address, where + ", members from the DNS records of "
          + cluster.kubernetesServiceDns() + " (kubernetes discovery)", List.of());
    }
    join.getKubernetesConfig().setEnabled(false);
    List<String> members = cluster.members().isEmpty() ? List.of(address + ":" + cluster.port()) : cluster.members();
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    return new HazelcastSetup(config, address, where + ", TCP/IP members " + members, List.of());
  }

  /**
   * The user's file as it is, plus what the gateway cannot run without: Hazelcast must not leave the
   * cluster on its own at SIGTERM (the gateway drains first), and the shared answers must stay bounded.
   */
  private static HazelcastSetup fromUserFile(ClusterOptions cluster) {
    Config config;
    try {
      config = Config.loadFromFile(new File(cluster.configFile()));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(ClusterOptions.CONFIG + " " + cluster.configFile()
          + " is not a usable Hazelcast XML or YAML file: " + e.getMessage());
    }
    if (cluster.name() != null && !cluster.name().equals(config.getClusterName())) {
      throw new ConfigException(ClusterOptions.NAME + " is '" + cluster.name() + "' but " + ClusterOptions.CONFIG + " "
          + cluster.configFile() + " names cluster '" + config.getClusterName() + "': set the name in one place");
    }
    List<String> changes = new ArrayList<>();
    if (!"false".equals(config.getProperty(SHUTDOWN_HOOK))) {
      config.setProperty(SHUTDOWN_HOOK, "false");
      changes.add("set " + SHUTDOWN_HOOK + "=false (SIGTERM is the gateway's: it drains before leaving the cluster)");
    }
    if (config.getMapConfigOrNull(SharedResultCache.MAP) == null) {
      config.addMapConfig(loadXml().getMapConfig(SharedResultCache.MAP));
      changes.add("added map '" + SharedResultCache.MAP + "' from the gateway's own configuration (shared answers, "
          + "bounded per node)");
    }
    // Set when the node starts (markAsGateway), whatever the file says: the id is new with every start.
    changes.add("set member attribute '" + GATEWAY_ATTRIBUTE + "' to this gateway's id (gateways count only gateways, "
        + "not the applications that join to use capability.check)");
    return new HazelcastSetup(config, null, "Hazelcast as configured by " + cluster.configFile()
        + " (config discovery)", List.copyOf(changes));
  }

  /** {@code GATEWAY_CLUSTER_HOST} resolved once: Hazelcast binds to an interface's address, not a name. */
  private static String bindAddress(ClusterOptions cluster) {
    InetAddress address;
    try {
      address = InetAddress.getByName(cluster.host());
    } catch (UnknownHostException e) {
      throw new ConfigException(ClusterOptions.HOST + " '" + cluster.host() + "' is not a known host name");
    }
    if (address.isAnyLocalAddress()) {
      throw new ConfigException(ClusterOptions.HOST + " is " + cluster.host() + ": it must be an address other "
          + "members can reach, not a wildcard");
    }
    if (cluster.discovery() == Discovery.KUBERNETES && address.isLoopbackAddress()) {
      throw new ConfigException(ClusterOptions.HOST + " is " + cluster.host() + " (loopback): with "
          + ClusterOptions.DISCOVERY + "=kubernetes it must be this pod's IP, from fieldRef status.podIP");
    }
    return address.getHostAddress();
  }

  /** {@code conf/hazelcast.xml} when present, else the jar's copy. */
  private static Config loadXml() {
    Path file = Path.of(HAZELCAST_FILE);
    try (InputStream in = Files.isRegularFile(file) ? Files.newInputStream(file)
        : ClusterNode.class.getResourceAsStream("/hazelcast-gateway.xml")) {
      return new XmlConfigBuilder(in).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(HAZELCAST_FILE + " is not a usable Hazelcast configuration: " + e.getMessage());
    }
  }

  /**
   * @param address the cluster's bind address, the event bus's default; {@code null} lets Vert.x take
   *                Hazelcast's own address (a user's file decides it)
   */
  static EventBusOptions eventBusOptions(ClusterOptions cluster, String address) {
    EventBusOptions options = new EventBusOptions()
        .setHost(cluster.eventBusHost() != null ? cluster.eventBusHost() : address).setPort(cluster.eventBusPort())
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
