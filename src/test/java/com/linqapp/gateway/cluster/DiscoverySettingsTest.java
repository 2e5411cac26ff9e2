package com.linqapp.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.linqapp.gateway.cluster.ClusterNode.HazelcastSetup;
import com.linqapp.gateway.config.ClusterOptions;
import com.linqapp.gateway.config.ClusterOptions.Discovery;
import com.linqapp.gateway.config.ConfigException;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GATEWAY_CLUSTER_DISCOVERY} and its settings: the Hazelcast configuration each mode produces, and
 * every bad combination refused with a message naming the settings. (The modes forming real clusters are
 * in {@link DiscoveryClustersTest}.)
 */
class DiscoverySettingsTest {

  private static final String POD_IP = "10.42.0.17";

  @TempDir
  Path dir;

  private static ClusterOptions options(JsonObject settings) {
    return GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(settings.put("GATEWAY_CLUSTER", true)))
        .clusterOptions();
  }

  private static HazelcastSetup setup(JsonObject settings) {
    return ClusterNode.hazelcastSetup(options(settings));
  }

  private static JsonObject kubernetes() {
    return new JsonObject().put("GATEWAY_CLUSTER_DISCOVERY", "kubernetes").put("GATEWAY_CLUSTER_HOST", POD_IP)
        .put("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS", "linq-gateway-hazelcast");
  }

  private JsonObject fromFile(Path file) {
    return new JsonObject().put("GATEWAY_CLUSTER_DISCOVERY", "config").put("GATEWAY_CLUSTER_CONFIG", file.toString());
  }

  @Test
  @DisplayName("tcp is the default: loopback, port 5701, the gateway's name, TCP/IP join to itself when no members are listed")
  void tcpDefaults() {
    ClusterOptions options = options(new JsonObject());
    assertThat(options.discovery()).isEqualTo(Discovery.TCP);
    assertThat(options.name()).isEqualTo("linq-capability-gateway");
    Config config = ClusterNode.hazelcastSetup(options).config();
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5701");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5701);
  }

  @Test
  @DisplayName("tcp: a host name is resolved once to the address Hazelcast and the event bus bind to")
  void hostNameIsResolved() {
    HazelcastSetup setup = setup(new JsonObject().put("GATEWAY_CLUSTER_HOST", "localhost")
        .put("GATEWAY_CLUSTER_MEMBERS", "localhost:5701,localhost:5702"));
    assertThat(setup.address()).isEqualTo("127.0.0.1");
    assertThat(setup.config().getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(setup.config().getProperty("hazelcast.local.localAddress")).isEqualTo("127.0.0.1");
    assertThat(setup.config().getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
        .containsExactly("localhost:5701", "localhost:5702");
    assertThat(ClusterNode.eventBusOptions(options(new JsonObject()), setup.address()).getHost()).isEqualTo("127.0.0.1");
  }

  @Test
  @DisplayName("kubernetes: Hazelcast's DNS lookup of the headless Service on the cluster port, bound to the pod IP, no TCP/IP list")
  void kubernetesJoin() {
    HazelcastSetup setup = setup(kubernetes().put("GATEWAY_CLUSTER_PORT", 5801));
    JoinConfig join = setup.config().getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperties())
        .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("service-dns", "linq-gateway-hazelcast", "service-port", "5801"));
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(setup.config().getNetworkConfig().getInterfaces().getInterfaces()).containsExactly(POD_IP);
    assertThat(setup.config().getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(setup.config().getClusterName()).isEqualTo("linq-capability-gateway");
    assertThat(ClusterNode.eventBusOptions(options(kubernetes()), setup.address()).getHost()).isEqualTo(POD_IP);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.1.1", "localhost", "::1"})
  @DisplayName("kubernetes: a loopback address is refused, naming GATEWAY_CLUSTER_HOST and the downward API")
  void kubernetesRefusesLoopback(String host) {
    assertThatThrownBy(() -> setup(kubernetes().put("GATEWAY_CLUSTER_HOST", host)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GATEWAY_CLUSTER_HOST").hasMessageContaining("status.podIP");
  }

  @Test
  @DisplayName("kubernetes: the pod IP and the Service are required")
  void kubernetesRequirements() {
    assertThatThrownBy(() -> options(kubernetes().putNull("GATEWAY_CLUSTER_HOST")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_HOST")
        .hasMessageContaining("status.podIP");
    assertThatThrownBy(() -> options(kubernetes().put("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS", "")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS");
  }

  @Test
  @DisplayName("a wildcard bind address is refused in every mode: members must be able to reach it")
  void wildcardRefused() {
    assertThatThrownBy(() -> setup(new JsonObject().put("GATEWAY_CLUSTER_HOST", "0.0.0.0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_HOST");
  }

  @Test
  @DisplayName("an unknown host name is a configuration error naming GATEWAY_CLUSTER_HOST")
  void unknownHost() {
    assertThatThrownBy(() -> setup(new JsonObject().put("GATEWAY_CLUSTER_HOST", "no-such-host.invalid")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_HOST")
        .hasMessageContaining("no-such-host.invalid");
  }

  @Test
  @DisplayName("settings of another mode are refused, naming the setting and GATEWAY_CLUSTER_DISCOVERY")
  void otherModesSettingsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("hz.xml"), "<hazelcast xmlns=\"http://www.hazelcast.com/schema/config\"/>");
    assertRefused(kubernetes().put("GATEWAY_CLUSTER_MEMBERS", "10.0.0.1:5701"), "GATEWAY_CLUSTER_MEMBERS");
    assertRefused(fromFile(file).put("GATEWAY_CLUSTER_MEMBERS", "10.0.0.1:5701"), "GATEWAY_CLUSTER_MEMBERS");
    assertRefused(new JsonObject().put("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS", "svc"),
        "GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS");
    assertRefused(new JsonObject().put("GATEWAY_CLUSTER_CONFIG", file.toString()), "GATEWAY_CLUSTER_CONFIG");
    assertRefused(kubernetes().put("GATEWAY_CLUSTER_CONFIG", file.toString()), "GATEWAY_CLUSTER_CONFIG");
    assertRefused(fromFile(file).put("GATEWAY_CLUSTER_HOST", "10.0.0.1"), "GATEWAY_CLUSTER_HOST");
    assertRefused(fromFile(file).put("GATEWAY_CLUSTER_PORT", "5701"), "GATEWAY_CLUSTER_PORT");
  }

  private static void assertRefused(JsonObject settings, String naming) {
    assertThatThrownBy(() -> options(settings)).as(settings.encode())
        .isInstanceOf(ConfigException.class).hasMessageContaining(naming).hasMessageContaining("GATEWAY_CLUSTER_DISCOVERY");
  }

  @Test
  @DisplayName("an unknown discovery mode names GATEWAY_CLUSTER_DISCOVERY")
  void unknownMode() {
    assertThatThrownBy(() -> options(new JsonObject().put("GATEWAY_CLUSTER_DISCOVERY", "multicast")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_DISCOVERY")
        .hasMessageContaining("multicast");
  }

  @Test
  @DisplayName("config: the file is required, and must be a readable Hazelcast XML or YAML file")
  void configFileRequiredAndUsable() throws IOException {
    assertThatThrownBy(() -> options(new JsonObject().put("GATEWAY_CLUSTER_DISCOVERY", "config")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_CONFIG");
    assertThatThrownBy(() -> setup(fromFile(dir.resolve("missing.xml"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_CONFIG").hasMessageContaining("missing.xml");
    Path broken = Files.writeString(dir.resolve("broken.xml"), "<hazelcast><network>");
    assertThatThrownBy(() -> setup(fromFile(broken)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_CONFIG");
    Path properties = Files.writeString(dir.resolve("hazelcast.properties"), "a=b");
    assertThatThrownBy(() -> setup(fromFile(properties)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_CONFIG");
  }

  @Test
  @DisplayName("config: the file is taken as it is; the gateway adds only the shutdown-hook setting and its bounded answer map, and says so")
  void configAddsOnlyWhatItMust() throws IOException {
    Path file = Files.writeString(dir.resolve("hazelcast.xml"), """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <cluster-name>team-cluster</cluster-name>
          <network>
            <port auto-increment="true">6701</port>
            <join>
              <multicast enabled="false"/>
              <tcp-ip enabled="true"><member>10.1.0.1:6701</member></tcp-ip>
            </join>
          </network>
        </hazelcast>
        """);
    HazelcastSetup setup = setup(fromFile(file));
    Config config = setup.config();
    assertThat(config.getClusterName()).isEqualTo("team-cluster");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(6701);
    assertThat(config.getNetworkConfig().isPortAutoIncrement()).isTrue();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("10.1.0.1:6701");
    assertThat(config.getNetworkConfig().getInterfaces().isEnabled()).isFalse();
    assertThat(config.getProperty("hazelcast.local.localAddress")).isNull();
    assertThat(setup.address()).as("the event bus takes Hazelcast's own address").isNull();
    assertThat(ClusterNode.eventBusOptions(options(fromFile(file)), setup.address()).getHost()).isNull();

    assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    assertThat(config.getMapConfig(SharedResultCache.MAP).getEvictionConfig().getMaxSizePolicy())
        .isEqualTo(MaxSizePolicy.PER_NODE);
    assertThat(config.getMapConfig(SharedResultCache.MAP).getEvictionConfig().getSize()).isEqualTo(200_000);
    assertThat(setup.changes()).hasSize(3);
    assertThat(setup.changes().get(0)).contains("hazelcast.shutdownhook.enabled=false");
    assertThat(setup.changes().get(1)).contains(SharedResultCache.MAP);
    assertThat(setup.changes().get(2)).contains("member attribute '" + ClusterNode.GATEWAY_ATTRIBUTE + "'");
  }

  @Test
  @DisplayName("config: a YAML file that already has what the gateway needs gets only the gateway's member attribute")
  void configYamlUnchanged() throws IOException {
    Path file = Files.writeString(dir.resolve("hazelcast.yaml"), """
        hazelcast:
          cluster-name: yaml-cluster
          properties:
            hazelcast.shutdownhook.enabled: false
          network:
            join:
              multicast:
                enabled: false
          map:
            linq-gateway.*:
              backup-count: 2
        """);
    HazelcastSetup setup = setup(fromFile(file));
    assertThat(setup.changes()).singleElement().asString().contains("member attribute 'linq-gateway'");
    assertThat(setup.config().getClusterName()).isEqualTo("yaml-cluster");
    assertThat(setup.config().getMapConfig(SharedResultCache.MAP).getBackupCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("config: GATEWAY_CLUSTER_NAME may repeat the file's cluster name, never contradict it")
  void configClusterName() throws IOException {
    Path file = Files.writeString(dir.resolve("named.xml"), """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config"><cluster-name>blue</cluster-name></hazelcast>
        """);
    assertThat(setup(fromFile(file).put("GATEWAY_CLUSTER_NAME", "blue")).config().getClusterName()).isEqualTo("blue");
    assertThatThrownBy(() -> setup(fromFile(file).put("GATEWAY_CLUSTER_NAME", "green")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_CLUSTER_NAME")
        .hasMessageContaining("GATEWAY_CLUSTER_CONFIG").hasMessageContaining("blue").hasMessageContaining("green");
  }

  @Test
  @DisplayName("conf/config.json and the jar's defaults are the same file and list the new settings")
  void defaultsDocumented() throws IOException {
    JsonObject file = new JsonObject(Files.readString(Path.of(ConfigLoader.DEFAULT_FILE)));
    assertThat(file).isEqualTo(ConfigLoader.builtInDefaults());
    List<String> added = List.of("GATEWAY_CLUSTER_DISCOVERY", "GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS",
        "GATEWAY_CLUSTER_CONFIG", "GATEWAY_SHUTDOWN_DELAY_SECONDS");
    assertThat(GatewayConfig.NAMES).containsAll(added);
    assertThat(file.fieldNames()).containsAll(added);
    assertThat(GatewayConfig.NAMES).containsAll(file.fieldNames());
  }
}
