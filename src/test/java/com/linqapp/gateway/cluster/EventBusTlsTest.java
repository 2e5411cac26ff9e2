package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GATEWAY_EVENTBUS_TLS_*}: nodes talk mutual TLS — a check crosses from one node to the other, and
 * a peer without a certificate, or with one the cluster does not trust, is refused.
 */
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
    ClusterFixture.close(simVertx);
  }

  @Test
  @DisplayName("with event-bus TLS on, a check sent on one node is served by the other, and a peer without the cluster's certificate is refused")
  void checksCrossNodesOverMutualTls() throws Exception {
    Path store = selfSignedStore("node");
    simVertx = Vertx.vertx();
    LinqSimulator sim = await(LinqSimulator.start(simVertx, new SimulatorOptions()));
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
    until("both gateways see each other", () ->
        ClusterFixture.status(web, a).getJsonObject("cluster").getInteger("gateways") == 2
            && ClusterFixture.status(web, b).getJsonObject("cluster").getInteger("gateways") == 2);
    boolean aOwns = ClusterFixture.owns(web, a);
    ClusterFixture.Node owner = aOwns ? a : b;
    ClusterFixture.Node other = aOwns ? b : a;
    web.close();

    // Only the owner's engine runs, so the other node's request must cross the event bus: the other node,
    // with the cluster's certificate, is let in.
    await(other.gateway().stopEngine());
    Message<JsonObject> reply = await(other.vertx().eventBus().<JsonObject>request(CapabilityBus.CHECK,
        new JsonObject().put("service", "imessage").put("address", "+15551234567"),
        new DeliveryOptions().setSendTimeout(10_000)));
    assertThat(reply.body().getString("address")).isEqualTo("+15551234567");
    assertThat(reply.body().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("imessage", "+15551234567", 70));

    int ownerBusPort = busPorts.get(owner == a ? 0 : 1);
    assertRefused(ownerBusPort, null);
    assertRefused(ownerBusPort, selfSignedStore("stranger"));
  }

  /**
   * A TLS peer that trusts A's certificate connects to A's event bus, presenting {@code clientStore}'s key (or
   * none), and is refused: the handshake fails, or the connection ends before any byte of the event bus.
   * (With TLS 1.3 the client's handshake completes before the server has judged its certificate, so the
   * refusal shows on the first read.)
   */
  private static void assertRefused(int port, Path clientStore) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers(clientStore), new TrustManager[] {new TrustAll()}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000); // a hang detector: an accepted peer would wait here for event-bus frames
      Throwable refused = catchThrowable(() -> {
        socket.startHandshake();
        assertThat(socket.getSession().getPeerCertificates()).as("a TLS server").isNotEmpty();
        InputStream in = socket.getInputStream();
        assertThat(in.read()).as("end of stream").isEqualTo(-1);
        throw new SocketException("closed by the server");
      });
      assertThat(refused).as("the peer with %s is refused", clientStore == null ? "no certificate" : clientStore)
          .isInstanceOfAny(SSLException.class, SocketException.class);
    }
  }

  private static KeyManager[] keyManagers(Path store) throws Exception {
    if (store == null) {
      return null;
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, PASSWORD.toCharArray());
    return factory.getKeyManagers();
  }

  /** The peer's own trust: it accepts A's certificate, so only A's judgement of the peer is tested. */
  private static final class TrustAll implements X509TrustManager {
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
  }

  /** A self-signed key pair in a PKCS#12 store, made with the JDK's keytool. */
  private Path selfSignedStore(String alias) throws Exception {
    Path store = dir.resolve(alias + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", "RSA",
        "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
    assertThat(Files.size(store)).isPositive();
    return store;
  }
}
