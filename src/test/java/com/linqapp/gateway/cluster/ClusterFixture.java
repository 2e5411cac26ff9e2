package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;

import com.linqapp.gateway.app.Clocks;
import com.linqapp.gateway.jobs.JobRunnerOptions;
import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.ForeignApplication;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.support.PrometheusText;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Gateway nodes clustered on loopback in this JVM: each joins through {@link ClusterNode#join} (the
 * production path, with conf/hazelcast.xml) with its own Hazelcast port, and serves through
 * {@link Gateway#serve} on its own HTTP port, all in front of one simulator.
 */
final class ClusterFixture {

  static final String KEY = GatewayHarness.KEY_A;

  private ClusterFixture() {
  }

  /** A gateway node: its membership, the running gateway, its HTTP port. */
  record Node(ClusterNode cluster, Gateway gateway, GatewayConfig config) {
    Vertx vertx() {
      return cluster.vertx();
    }

    int httpPort() {
      return config.httpPort();
    }
  }

  /** A cluster name no other run shares. */
  static String uniqueName(Class<?> testClass) {
    return "it-" + testClass.getSimpleName() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static List<Integer> ports(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> Ports.free()).toList();
  }

  static String members(List<Integer> ports) {
    return ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  /** A clustered gateway in front of {@code sim} on loopback, before any cluster setting of its own. */
  private static JsonObject node(LinqSimulator sim) {
    return new JsonObject()
        .put("LINQ_API_V3_BASE_URL", sim.baseUrl())
        .put("LINQ_API_V3_API_KEY", sim.apiKey())
        .put("GATEWAY_HTTP_HOST", "127.0.0.1")
        .put("GATEWAY_HTTP_PORT", Ports.free())
        .put("GATEWAY_API_KEYS", "team-a=" + GatewayHarness.KEY_A + ",team-b=" + GatewayHarness.KEY_B)
        .put("GATEWAY_CLUSTER", true);
  }

  /** The gateway's configuration as a node of {@code name}, merged over the built-in defaults. */
  static GatewayConfig config(String name, int port, List<Integer> memberPorts, LinqSimulator sim, JsonObject overrides) {
    JsonObject settings = node(sim)
        .put("GATEWAY_CLUSTER_NAME", name)
        .put("GATEWAY_CLUSTER_HOST", "127.0.0.1")
        .put("GATEWAY_CLUSTER_PORT", port)
        .put("GATEWAY_CLUSTER_MEMBERS", members(memberPorts))
        .mergeIn(overrides);
    return GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(settings));
  }

  /**
   * The gateway's configuration as a node of whatever cluster {@code hazelcastFile} describes
   * ({@code GATEWAY_CLUSTER_DISCOVERY=config}): no cluster name, host, port or members of its own.
   */
  static GatewayConfig configFromFile(java.nio.file.Path hazelcastFile, LinqSimulator sim) {
    return GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(node(sim)
        .put("GATEWAY_CLUSTER_DISCOVERY", "config").put("GATEWAY_CLUSTER_CONFIG", hazelcastFile.toString())));
  }

  /** Joins as the CLI's {@code serve} does, then serves. */
  static Future<Node> start(GatewayConfig config) {
    return start(config, Clocks.system());
  }

  /** Joins as the CLI's {@code serve} does, then serves on {@code clocks}. */
  static Future<Node> start(GatewayConfig config, Clocks clocks) {
    return ClusterNode.join(config.clusterOptions(), new VertxOptions(), null)
        .compose(node -> Gateway.serve(node.vertx(), config, GatewayMetrics.create(), node, JobRunnerOptions.defaults(), clocks)
            .map(gateway -> new Node(node, gateway, config)));
  }

  /** Starts every node at once (Hazelcast's join is slow; in parallel they overlap). */
  static List<Node> startAll(List<GatewayConfig> configs) {
    List<Future<Node>> starting = configs.stream().map(ClusterFixture::start).toList();
    return starting.stream().map(f -> await(f)).toList();
  }

  /**
   * A simulator on a client Vert.x of its own, two gateway nodes in front of it and, optionally, a
   * foreign Vert.x application, clustered; each node already sees every member.
   */
  record Cluster(Vertx clientVertx, LinqSimulator sim, WebClient web, Node a, Node b, Vertx foreign) {

    static Cluster start(Class<?> testClass, JsonObject overrides, boolean withForeign) {
      Vertx clientVertx = Vertx.vertx();
      LinqSimulator sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
      Pair pair = startPair(testClass, sim, overrides, withForeign ? 1 : 0);
      Vertx foreign = withForeign ? ClusterFixture.foreign(pair.name(), pair.ports().get(2), pair.ports()) : null;
      int members = withForeign ? 3 : 2;
      until("every node sees " + members + " members",
          () -> pair.a().cluster().members() == members && pair.b().cluster().members() == members);
      return new Cluster(clientVertx, sim, ClusterFixture.web(clientVertx), pair.a(), pair.b(), foreign);
    }

    /** Everything stopped, the nodes leaving the cluster first; never throws. */
    void close() {
      ClusterFixture.close(foreign);
      ClusterFixture.close(b);
      ClusterFixture.close(a);
      web.close();
      ClusterFixture.close(clientVertx);
    }
  }

  /** One series of the node's {@code /metrics}, 0 when absent. */
  static double metric(WebClient web, Node node, String series) {
    return PrometheusText.valueOrZero(get(web, node.httpPort(), "/metrics").bodyAsString(), series);
  }

  /** Requests the node sent to Linq that Linq answered. */
  static double upstreamAnswers(WebClient web, Node node) {
    return metric(web, node, "linq_requests_total{outcome=\"answer\"}");
  }

  /** The node's engine status (the engine check's data in {@code /health}). */
  static JsonObject status(WebClient web, Node node) {
    return engineData(get(web, node.httpPort(), "/health"));
  }

  /** Whether the node sends to Linq for the cluster, as its {@code /health} says. */
  static boolean owns(WebClient web, Node node) {
    return engineData(get(web, node.httpPort(), "/health")).getJsonObject("cluster").getBoolean("owns");
  }

  /** Two nodes of a new cluster, and its member ports (with {@code spare} more for members started later). */
  record Pair(String name, List<Integer> ports, Node a, Node b) {
  }

  /** Starts two nodes with the same {@code overrides}, clustered, in front of {@code sim}. */
  static Pair startPair(Class<?> testClass, LinqSimulator sim, JsonObject overrides, int spare) {
    String name = uniqueName(testClass);
    List<Integer> ports = ports(2 + spare);
    List<Node> nodes = startAll(List.of(config(name, ports.get(0), ports, sim, overrides),
        config(name, ports.get(1), ports, sim, overrides)));
    return new Pair(name, ports, nodes.get(0), nodes.get(1));
  }

  /**
   * A foreign Vert.x application: not the gateway's code, a hand-made Hazelcast configuration with only
   * the cluster's name, its own port, the TCP/IP members and multicast off.
   */
  static Vertx foreign(String name, int port, List<Integer> memberPorts) {
    return ForeignApplication.join(name, port, memberPorts);
  }

  static WebClient web(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(128));
  }

  static Future<HttpResponse<Buffer>> checkAsync(WebClient web, int port, String address, String... headers) {
    var request = web.post(port, "127.0.0.1", GatewayHarness.IMESSAGE_ROUTE)
        .putHeader("Authorization", "Bearer " + KEY).putHeader("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return request.sendBuffer(Buffer.buffer(new JsonObject().put("address", address).encode()));
  }

  static HttpResponse<Buffer> check(WebClient web, int port, String address, String... headers) {
    return await(checkAsync(web, port, address, headers));
  }

  static HttpResponse<Buffer> get(WebClient web, int port, String path) {
    return await(web.get(port, "127.0.0.1", path).send());
  }

  /** The engine check's data in a health report ({@code /health} or {@code /health/ready}). */
  static JsonObject engineData(HttpResponse<Buffer> health) {
    JsonArray checks = health.bodyAsJsonObject().getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if ("engine".equals(check.getString("id"))) {
        return check.getJsonObject("data", new JsonObject());
      }
    }
    throw new AssertionError("no engine check in " + health.bodyAsString());
  }

  /** Closes a node's Vert.x (it leaves the cluster); never throws. */
  static void close(Node node) {
    if (node == null) {
      return;
    }
    try {
      node.vertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing already, or gone
    }
  }

  /** Closes the nodes (in the order given), then the test's web client and its Vert.x; never throws. */
  static void closeAll(WebClient web, Vertx clientVertx, Node... nodes) {
    for (Node node : nodes) {
      close(node);
    }
    if (web != null) {
      web.close();
    }
    close(clientVertx);
  }

  static void close(Vertx vertx) {
    if (vertx == null) {
      return;
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing already
    }
  }

  /** A distinct, valid US number for each {@code (block, i)}. */
  static String phone(int block, int i) {
    return String.format("+1202%03d%04d", 200 + block, i);
  }
}
