package com.linqapp.gateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cluster settings, validated against one another: how members find each other ({@link Discovery}),
 * Hazelcast's name, bind address and port, and the clustered event bus's bind and advertised addresses,
 * with optional mutual TLS. Settings that do not apply to the chosen discovery are refused rather than
 * ignored, so a typo in a deployment fails at startup instead of forming the wrong cluster.
 *
 * @param discovery            how members find each other
 * @param name                 Hazelcast cluster name; {@code null} with {@link Discovery#CONFIG} when not set
 *                             (the file's name is used)
 * @param host                 Hazelcast bind address or host name; {@code null} with {@link Discovery#CONFIG}
 * @param port                 Hazelcast port; 0 with {@link Discovery#CONFIG} (the file's)
 * @param members              seed members, {@code host:port} ({@link Discovery#TCP} only)
 * @param kubernetesServiceDns the headless Service whose DNS records list the members ({@link Discovery#KUBERNETES})
 * @param configFile           the user's Hazelcast XML or YAML file ({@link Discovery#CONFIG})
 * @param eventBusHost         event-bus bind address, or {@code null} for the cluster's own address
 * @param eventBusPort         event-bus port (0 = any)
 * @param eventBusPublicHost   address other nodes use to reach this one's event bus, or {@code null} for the bound one
 * @param eventBusPublicPort   port other nodes use (0 = the bound one)
 * @param tlsKeyStore          PKCS#12 key store for event-bus TLS, or {@code null} for plain TCP
 * @param tlsKeyStorePassword  its password
 * @param tlsTrustStore        PKCS#12 trust store of the cluster's CA (mutual TLS)
 * @param tlsTrustStorePassword its password
 */
public record ClusterOptions(Discovery discovery, String name, String host, int port, List<String> members,
                             String kubernetesServiceDns, String configFile, String eventBusHost,
                             int eventBusPort, String eventBusPublicHost, int eventBusPublicPort,
                             String tlsKeyStore, String tlsKeyStorePassword, String tlsTrustStore,
                             String tlsTrustStorePassword) {

  /** Cluster name when none is set (and the file does not decide it). */
  public static final String DEFAULT_NAME = "linq-capability-gateway";
  /** Bind address for {@link Discovery#TCP} when none is set: loopback, so nothing is exposed by default. */
  public static final String DEFAULT_TCP_HOST = "127.0.0.1";
  /** Hazelcast's port when none is set. */
  public static final int DEFAULT_PORT = 5701;

  // Setting names, public where errors found while joining (ClusterNode) name them.
  public static final String DISCOVERY = "GATEWAY_CLUSTER_DISCOVERY";
  public static final String NAME = "GATEWAY_CLUSTER_NAME";
  public static final String HOST = "GATEWAY_CLUSTER_HOST";
  static final String PORT = "GATEWAY_CLUSTER_PORT";
  static final String MEMBERS = "GATEWAY_CLUSTER_MEMBERS";
  static final String KUBERNETES_SERVICE_DNS = "GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS";
  public static final String CONFIG = "GATEWAY_CLUSTER_CONFIG";

  /** How the members of a cluster find one another. */
  public enum Discovery {
    /** Hazelcast's TCP/IP join to the listed seed members. */
    TCP,
    /** Hazelcast's built-in Kubernetes discovery, DNS lookup of a headless Service; bound to the pod's IP. */
    KUBERNETES,
    /** The user's Hazelcast file, taken as it is. */
    CONFIG;

    /** The setting's value. */
    public String value() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public boolean tls() {
    return tlsKeyStore != null;
  }

  @Override
  public String toString() {
    return "ClusterOptions[discovery=" + discovery.value() + ", name=" + name + ", host=" + host + ", port=" + port
        + ", members=" + members + ", serviceDns=" + kubernetesServiceDns + ", config=" + configFile
        + ", eventBus=" + eventBusHost + ":" + eventBusPort + ", public=" + eventBusPublicHost + ":"
        + eventBusPublicPort + ", tls=" + tls() + "]";
  }

  static ClusterOptions parse(Settings s) {
    Discovery discovery = Discovery.valueOf(s.oneOf(DISCOVERY, Set.of("tcp", "kubernetes", "config"))
        .toUpperCase(Locale.ROOT));
    String name = s.optional(NAME);
    String host = s.optional(HOST);
    Long port = s.optionalInteger(PORT, 1, 65535);
    List<String> members = members(s.string(MEMBERS));
    String serviceDns = s.optional(KUBERNETES_SERVICE_DNS);
    String configFile = s.optional(CONFIG);
    onlyWith(Discovery.TCP, discovery, MEMBERS, !members.isEmpty(),
        "kubernetes finds members through " + KUBERNETES_SERVICE_DNS + ", config through its file");
    onlyWith(Discovery.KUBERNETES, discovery, KUBERNETES_SERVICE_DNS, serviceDns != null, "");
    onlyWith(Discovery.CONFIG, discovery, CONFIG, configFile != null, "");
    switch (discovery) {
      case KUBERNETES -> {
        require(host, HOST + " must be this pod's IP with " + DISCOVERY + "=kubernetes (from the downward API: "
            + "fieldRef status.podIP); other pods cannot reach 127.0.0.1");
        require(serviceDns, KUBERNETES_SERVICE_DNS + " must name the headless Service of the gateway's pods with "
            + DISCOVERY + "=kubernetes (e.g. linq-gateway-hazelcast)");
      }
      case CONFIG -> {
        require(configFile, CONFIG + " must name a Hazelcast XML or YAML file with " + DISCOVERY + "=config");
        if (host != null || port != null) {
          throw new ConfigException((host != null ? HOST : PORT) + " does not apply with " + DISCOVERY
              + "=config: the file at " + CONFIG + " sets Hazelcast's network (use GATEWAY_EVENTBUS_HOST for the "
              + "event bus)");
        }
      }
      default -> {
      }
    }
    boolean fromFile = discovery == Discovery.CONFIG;
    String keyStore = s.optional("GATEWAY_EVENTBUS_TLS_KEY_STORE");
    String trustStore = s.optional("GATEWAY_EVENTBUS_TLS_TRUST_STORE");
    if ((keyStore == null) != (trustStore == null)) {
      throw new ConfigException("GATEWAY_EVENTBUS_TLS_KEY_STORE and GATEWAY_EVENTBUS_TLS_TRUST_STORE go together "
          + "(mutual TLS between nodes)");
    }
    return new ClusterOptions(discovery, name != null || fromFile ? name : DEFAULT_NAME,
        host != null || fromFile ? host : DEFAULT_TCP_HOST, port != null ? port.intValue() : fromFile ? 0 : DEFAULT_PORT,
        members, serviceDns, configFile, s.optional("GATEWAY_EVENTBUS_HOST"),
        (int) s.integer("GATEWAY_EVENTBUS_PORT", 0, 65535), s.optional("GATEWAY_EVENTBUS_PUBLIC_HOST"),
        (int) s.integer("GATEWAY_EVENTBUS_PUBLIC_PORT", 0, 65535), keyStore,
        s.string("GATEWAY_EVENTBUS_TLS_KEY_STORE_PASSWORD"), trustStore,
        s.string("GATEWAY_EVENTBUS_TLS_TRUST_STORE_PASSWORD"));
  }

  private static List<String> members(String list) {
    List<String> members = new ArrayList<>();
    for (String member : list.split(",")) {
      String trimmed = member.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!trimmed.matches("[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?")) {
        throw new ConfigException(MEMBERS + " must be comma-separated host:port (got '" + trimmed + "')");
      }
      members.add(trimmed);
    }
    return List.copyOf(members);
  }

  /** A setting that belongs to one discovery mode is refused with the others. */
  private static void onlyWith(Discovery owner, Discovery chosen, String setting, boolean set, String why) {
    if (set && chosen != owner) {
      throw new ConfigException(setting + " applies only with " + DISCOVERY + "=" + owner.value() + " (it is "
          + chosen.value() + ")" + (why.isEmpty() ? "" : ": " + why));
    }
  }

  private static void require(String value, String message) {
    if (value == null) {
      throw new ConfigException(message);
    }
  }
}
