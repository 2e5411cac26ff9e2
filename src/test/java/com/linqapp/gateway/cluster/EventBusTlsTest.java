package com.linqapp.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GATEWAY_EVENTBUS_TLS_*}: nodes talk mutual TLS, and a check crosses from one node to the other. */
class EventBusTlsTest {

  private static final String PASSWORD = "changeit";

  @TempDir
  Path dir;

  private Vertx simVertx;
  private ClusterFixture.Node a;
  private ClusterFixture.Node b;

  @AfterEach
  void close() {
    ClusterFixture.close(b);
    ClusterFixture.close(a);
    if (simVertx != null) {
      simVertx.close();
    }
  }

  @Test
  @DisplayName("with event-bus TLS on, a check sent on one node is served by the other, over mutual TLS")
  void checksCrossNodesOverMutualTls() throws Exception {
    Path store = selfSignedStore();
    simVertx = Vertx.vertx();
    LinqSimulator sim = ClusterFixture.awaitLong(LinqSimulator.start(simVertx, new SimulatorOptions()));
    String name = ClusterFixture.uniqueName(EventBusTlsTest.class);
    List<Integer> ports = ClusterFixture.ports(2);
    List<Integer> busPorts = ClusterFixture.ports(2);
    JsonObject tls = new JsonObject()
        .put("GATEWAY_EVENTBUS_TLS_KEY_STORE", store.toString())
        .put("GATEWAY_EVENTBUS_TLS_KEY_STORE_PASSWORD", PASSWORD)
        .put("GATEWAY_EVENTBUS_TLS_TRUST_STORE", store.toString())
        .put("GATEWAY_EVENTBUS_TLS_TRUST_STORE_PASSWORD", PASSWORD);
    List<ClusterFixture.Node> nodes = ClusterFixture.startAll(List.of(
        ClusterFixture.config(name, ports.get(0), ports, sim, tls.copy().put("GATEWAY_EVENTBUS_PORT", busPorts.get(0))),
        ClusterFixture.config(name, ports.get(1), ports, sim, tls.copy().put("GATEWAY_EVENTBUS_PORT", busPorts.get(1)))));
    a = nodes.get(0);
    b = nodes.get(1);
    assertThat(a.config().clusterOptions().tls()).isTrue();
    WebClient web = ClusterFixture.web(simVertx);
    GatewayHarness.eventually(java.time.Duration.ofSeconds(15), "both gateways see each other", () ->
        ClusterFixture.status(web, a).getJsonObject("cluster").getInteger("gateways") == 2
            && ClusterFixture.status(web, b).getJsonObject("cluster").getInteger("gateways") == 2);
    boolean aOwns = ClusterFixture.owns(web, a);
    ClusterFixture.Node owner = aOwns ? a : b;
    ClusterFixture.Node other = aOwns ? b : a;
    web.close();

    // Only the owner's engine runs, so the other node's request must cross the (TLS) event bus.
    ClusterFixture.awaitLong(other.gateway().stopEngine());
    Message<JsonObject> reply = ClusterFixture.awaitLong(other.vertx().eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", "+15551234567"),
        new DeliveryOptions().setSendTimeout(10_000)));
    assertThat(reply.body().getString("address")).isEqualTo("+15551234567");
    assertThat(reply.body().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("imessage", "+15551234567", 70));
    assertSpeaksTls(busPorts.get(owner == a ? 0 : 1));
  }

  /** A TLS client reaches a TLS server (whatever it then thinks of our missing certificate); plain TCP would not. */
  private static void assertSpeaksTls(int port) throws Exception {
    SSLContext trustAll = SSLContext.getInstance("TLS");
    trustAll.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.startHandshake();
      assertThat(socket.getSession().getPeerCertificates()).isNotEmpty();
    } catch (SSLException refused) {
      assertThat(refused.getMessage()).as("a TLS server, not plain TCP").doesNotContain("nrecognized SSL message");
    }
  }

  /** A self-signed key pair in a PKCS#12 store, made with the JDK's keytool. */
  private Path selfSignedStore() throws Exception {
    Path store = dir.resolve("node.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "node", "-keyalg", "RSA",
        "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
    assertThat(Files.size(store)).isPositive();
    return store;
  }
}
