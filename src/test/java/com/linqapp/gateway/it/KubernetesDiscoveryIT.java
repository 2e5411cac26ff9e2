package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GATEWAY_CLUSTER_DISCOVERY=kubernetes} through the real jar, without Kubernetes: the jar carries
 * Hazelcast's Kubernetes discovery and runs it in DNS lookup mode, bound to a non-loopback address as it
 * would be to a pod's IP. With no cluster DNS here, the Service's name finds no one (Hazelcast says so:
 * the proof that its DNS lookup ran) and the node forms a cluster of one, ready. The combinations a pod
 * spec can get wrong stop startup with exit code 2 and one line naming the settings.
 */
class KubernetesDiscoveryIT {

  @TempDir
  Path workDir;

  JarProcess process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.close();
    }
  }

  /** A Service name no resolver knows ({@code .invalid} is reserved for that). */
  static final String SERVICE_DNS = "linq-gateway-hazelcast.invalid";

  private static Map<String, String> kubernetes(String podIp) {
    Map<String, String> env = new HashMap<>();
    env.put("GATEWAY_SANDBOX", "true");
    env.put("GATEWAY_CLUSTER", "true");
    env.put("GATEWAY_CLUSTER_DISCOVERY", "kubernetes");
    env.put("GATEWAY_CLUSTER_HOST", podIp);
    env.put("GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS", SERVICE_DNS);
    env.put("GATEWAY_CLUSTER_PORT", String.valueOf(Ports.free()));
    env.put("GATEWAY_HTTP_HOST", "127.0.0.1");
    env.put("GATEWAY_HTTP_PORT", String.valueOf(Ports.free()));
    return env;
  }

  /** An IPv4 address of this machine's that is not loopback, as a pod has. */
  private static Optional<String> nonLoopbackAddress() throws SocketException {
    for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
      if (nic.isUp() && !nic.isLoopback()) {
        for (InetAddress address : nic.inetAddresses().toList()) {
          if (address instanceof Inet4Address && !address.isLinkLocalAddress()) {
            return Optional.of(address.getHostAddress());
          }
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void theJarsKubernetesDiscoveryRunsInDnsLookupModeOnThePodAddress() throws Exception {
    Optional<String> podIp = nonLoopbackAddress();
    Assumptions.assumeTrue(podIp.isPresent(), "this machine has no non-loopback IPv4 address to stand for a pod IP");
    Map<String, String> env = kubernetes(podIp.get());
    int http = Integer.parseInt(env.get("GATEWAY_HTTP_PORT"));
    process = JarProcess.start(workDir, "k8s-discovery", env, "serve").awaitReady(http);

    JsonObject cluster = engine(new JsonObject(Http.get(http, "/health/ready").body())).getJsonObject("cluster");
    assertThat(cluster.getBoolean("active")).isTrue();
    assertThat(cluster.getInteger("members")).isEqualTo(1);
    String logs = process.stderr() + process.stdout();
    assertThat(logs).contains("Hazelcast on " + podIp.get() + ":" + env.get("GATEWAY_CLUSTER_PORT"))
        .contains("members from the DNS records of " + SERVICE_DNS);
    assertThat(logs).as("Hazelcast's Kubernetes discovery looked the Service up").contains("serviceDns '" + SERVICE_DNS + "'");
    assertThat(Http.checkIMessage(http, "+15551234567", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void loopbackAsThePodAddressIsExit2NamingIt() {
    process = JarProcess.run(workDir, "k8s-loopback", kubernetes("127.0.0.1"), "serve");
    assertUsageError(List.of("GATEWAY_CLUSTER_HOST", "status.podIP"));
  }

  @Test
  void seedMembersWithKubernetesDiscoveryIsExit2NamingBoth() {
    Map<String, String> env = kubernetes("10.0.0.7");
    env.put("GATEWAY_CLUSTER_MEMBERS", "10.0.0.8:5701");
    process = JarProcess.run(workDir, "k8s-members", env, "serve");
    assertUsageError(List.of("GATEWAY_CLUSTER_MEMBERS", "GATEWAY_CLUSTER_DISCOVERY"));
  }

  private void assertUsageError(List<String> naming) {
    assertThat(process.exitCode()).as(process.logs()).isEqualTo(2);
    List<String> lines = process.stderr().lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as(process.logs()).hasSize(1);
    assertThat(lines.get(0)).contains(naming);
  }

  private static JsonObject engine(JsonObject health) {
    JsonArray checks = health.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if ("engine".equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i).getJsonObject("data");
      }
    }
    throw new AssertionError("no engine check in " + health);
  }
}
