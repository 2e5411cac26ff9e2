package com.linqapp.gateway.config;

import java.util.List;

/**
 * Cluster settings, validated: Hazelcast's name, bind address, port and seed members (TCP/IP join),
 * and the clustered event bus's bind and advertised addresses, with optional mutual TLS.
 *
 * @param name              Hazelcast cluster name; other applications join by it
 * @param host              Hazelcast bind address
 * @param port              Hazelcast port
 * @param members           seed members, {@code host:port}
 * @param eventBusHost      event-bus bind address
 * @param eventBusPort      event-bus port (0 = any)
 * @param eventBusPublicHost address other nodes use to reach this one's event bus
 * @param eventBusPublicPort port other nodes use (0 = the bound one)
 * @param tlsKeyStore       PKCS#12 key store for event-bus TLS, or {@code null} for plain TCP
 * @param tlsKeyStorePassword its password
 * @param tlsTrustStore     PKCS#12 trust store of the cluster's CA (mutual TLS)
 * @param tlsTrustStorePassword its password
 */
public record ClusterOptions(String name, String host, int port, List<String> members, String eventBusHost,
                             int eventBusPort, String eventBusPublicHost, int eventBusPublicPort,
                             String tlsKeyStore, String tlsKeyStorePassword, String tlsTrustStore,
                             String tlsTrustStorePassword) {

  public boolean tls() {
    return tlsKeyStore != null;
  }

  @Override
  public String toString() {
    return "ClusterOptions[name=" + name + ", host=" + host + ", port=" + port + ", members=" + members
        + ", eventBus=" + eventBusHost + ":" + eventBusPort + ", public=" + eventBusPublicHost + ":"
        + eventBusPublicPort + ", tls=" + tls() + "]";
  }

  static ClusterOptions parse(Settings s) {
    String host = s.string("GATEWAY_CLUSTER_HOST").isEmpty() ? "127.0.0.1" : s.string("GATEWAY_CLUSTER_HOST");
    int port = (int) s.integer("GATEWAY_CLUSTER_PORT", 1, 65535);
    List<String> members = new java.util.ArrayList<>();
    for (String member : s.string("GATEWAY_CLUSTER_MEMBERS").split(",")) {
      String trimmed = member.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!trimmed.matches("[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?")) {
        throw new ConfigException("GATEWAY_CLUSTER_MEMBERS must be comma-separated host:port (got '" + trimmed + "')");
      }
      members.add(trimmed);
    }
    String busHost = s.optional("GATEWAY_EVENTBUS_HOST") == null ? host : s.string("GATEWAY_EVENTBUS_HOST");
    int busPort = (int) s.integer("GATEWAY_EVENTBUS_PORT", 0, 65535);
    String publicHost = s.optional("GATEWAY_EVENTBUS_PUBLIC_HOST") == null ? busHost
        : s.string("GATEWAY_EVENTBUS_PUBLIC_HOST");
    int publicPort = (int) s.integer("GATEWAY_EVENTBUS_PUBLIC_PORT", 0, 65535);
    String keyStore = s.optional("GATEWAY_EVENTBUS_TLS_KEY_STORE");
    String trustStore = s.optional("GATEWAY_EVENTBUS_TLS_TRUST_STORE");
    if ((keyStore == null) != (trustStore == null)) {
      throw new ConfigException("GATEWAY_EVENTBUS_TLS_KEY_STORE and GATEWAY_EVENTBUS_TLS_TRUST_STORE go together "
          + "(mutual TLS between nodes)");
    }
    return new ClusterOptions(s.string("GATEWAY_CLUSTER_NAME").isEmpty() ? "linq-capability-gateway"
        : s.string("GATEWAY_CLUSTER_NAME"), host, port, List.copyOf(members), busHost, busPort, publicHost,
        publicPort, keyStore, s.string("GATEWAY_EVENTBUS_TLS_KEY_STORE_PASSWORD"), trustStore,
        s.string("GATEWAY_EVENTBUS_TLS_TRUST_STORE_PASSWORD"));
  }
}
