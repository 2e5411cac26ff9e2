package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery modes forming real clusters on loopback: {@code config} with the users' own Hazelcast files
 * (one XML, one YAML), and {@code tcp} with host names. Each cluster proves itself as the gateway uses
 * it: both nodes count two members, an answer fetched by one node is a cache hit on the other, and a
 * check sent on one node's event bus is served by the other's engine.
 */
class DiscoveryClustersTest {

  @TempDir
  Path dir;

  private Vertx clientVertx;
  private LinqSimulator sim;
  private WebClient web;
  private final List<ClusterFixture.Node> nodes = new ArrayList<>();

  @BeforeEach
  void start() {
    clientVertx = Vertx.vertx();
    sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
    web = ClusterFixture.web(clientVertx);
  }

  @AfterEach
  void stop() {
    nodes.forEach(ClusterFixture::close);
    ClusterFixture.close(clientVertx);
  }

  @Test
  @DisplayName("config: two nodes from their users' own Hazelcast files, one XML and one YAML, form one cluster under the files' name")
  void configFilesFormACluster() throws IOException {
    String name = ClusterFixture.uniqueName(getClass());
    List<Integer> ports = ClusterFixture.ports(2);
    String members = ClusterFixture.members(ports);
    Path xml = Files.writeString(dir.resolve("node-a.xml"), """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <cluster-name>%s</cluster-name>
          <properties>
            <property name="hazelcast.phone.home.enabled">false</property>
          </properties>
          <network>
            <port auto-increment="false">%d</port>
            <interfaces enabled="true"><interface>127.0.0.1</interface></interfaces>
            <join>
              <multicast enabled="false"/>
              <auto-detection enabled="false"/>
              <tcp-ip enabled="true"><members>%s</members></tcp-ip>
            </join>
          </network>
        </hazelcast>
        """.formatted(name, ports.get(0), members));
    Path yaml = Files.writeString(dir.resolve("node-b.yaml"), """
        hazelcast:
          cluster-name: %s
          properties:
            hazelcast.phone.home.enabled: false
          network:
            port:
              auto-increment: false
              port: %d
            interfaces:
              enabled: true
              interfaces:
                - 127.0.0.1
            join:
              multicast:
                enabled: false
              auto-detection:
                enabled: false
              tcp-ip:
                enabled: true
                member-list:
                  - 127.0.0.1:%d
                  - 127.0.0.1:%d
        """.formatted(name, ports.get(1), ports.get(0), ports.get(1)));
    nodes.addAll(ClusterFixture.startAll(List.of(ClusterFixture.configFromFile(xml, sim),
        ClusterFixture.configFromFile(yaml, sim))));

    assertFormsOneCluster();
    assertThat(nodes).allSatisfy(node -> {
      assertThat(node.cluster().name()).as("the shared keys' salt is the file's cluster name").isEqualTo(name);
      assertThat(node.cluster().hazelcast().getConfig().getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    });
  }

  @Test
  @DisplayName("tcp: GATEWAY_CLUSTER_HOST and GATEWAY_CLUSTER_MEMBERS given as host names form the cluster as addresses do")
  void tcpWithHostNames() {
    String name = ClusterFixture.uniqueName(getClass());
    List<Integer> ports = ClusterFixture.ports(2);
    JsonObject byName = new JsonObject().put("GATEWAY_CLUSTER_HOST", "localhost")
        .put("GATEWAY_CLUSTER_MEMBERS", "localhost:" + ports.get(0) + ",localhost:" + ports.get(1));
    nodes.addAll(ClusterFixture.startAll(List.of(ClusterFixture.config(name, ports.get(0), ports, sim, byName),
        ClusterFixture.config(name, ports.get(1), ports, sim, byName))));

    assertFormsOneCluster();
    assertThat(nodes.get(0).cluster().hazelcast().getCluster().getLocalMember().getAddress().getHost())
        .isEqualTo("127.0.0.1");
  }

  private void assertFormsOneCluster() {
    ClusterFixture.Node a = nodes.get(0);
    ClusterFixture.Node b = nodes.get(1);
    until("both nodes see two members",
        () -> a.cluster().members() == 2 && b.cluster().members() == 2);

    String phone = ClusterFixture.phone(7, 1);
    HttpResponse<Buffer> first = ClusterFixture.check(web, a.httpPort(), phone);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(first.getHeader("X-Cache")).isEqualTo("miss");
    HttpResponse<Buffer> second = ClusterFixture.check(web, b.httpPort(), phone);
    assertThat(second.getHeader("X-Cache")).as("B reads the answer A fetched").isEqualTo("hit");
    assertThat(sim.stats().requestsFor(phone)).isEqualTo(1);

    // With the non-owner's engine gone, a check sent on its event bus can only be served by the owner's.
    ClusterFixture.Node nonOwner = ClusterFixture.owns(web, a) ? b : a;
    await(nonOwner.gateway().stopEngine());
    String other = ClusterFixture.phone(7, 2);
    Message<JsonObject> reply = await(nonOwner.vertx().eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", other), new DeliveryOptions().setSendTimeout(15_000)));
    assertThat(reply.body().getString("address")).isEqualTo(other);
    assertThat(reply.body().getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("imessage", other, 70));
    assertThat(sim.stats().requestsFor(other)).isEqualTo(1);
  }
}
