package com.linqapp.gateway.it.support;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.PrometheusText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Gateway processes of the real jar ({@code serve}) clustered on loopback in front of one simulator, with
 * the jar's own Hazelcast configuration written to the working directory's {@code conf/hazelcast.xml} with
 * the heartbeat timeout the test chooses (generous, so a starved machine does not split the cluster, but
 * for node-loss tests). Gateway 0 starts first, so it is the oldest gateway: the owner.
 */
public final class GatewayProcesses implements AutoCloseable {

  public static final String KEY = "cluster-client-key";
  public static final String ROUTE = "/api/partner/v3/capability/check_imessage";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Path workDir;
  private final String name = "cluster-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Integer> memberPorts = new ArrayList<>();
  private final List<Integer> httpPorts = new ArrayList<>();
  private final List<JarProcess> processes = new ArrayList<>();
  private final Map<String, String> env;
  private int starts;

  /**
   * Starts {@code gateways} gateways.
   *
   * @param heartbeatSeconds Hazelcast's {@code max.no.heartbeat.seconds}: how long a silent member stays
   * @param env              settings for every gateway, over the cluster's and the simulator's
   * @param spare            member ports kept for other members (a consumer application)
   */
  public static GatewayProcesses start(Path workDir, LinqSimulator sim, int gateways, int heartbeatSeconds,
                                       Map<String, String> env, int spare) {
    GatewayProcesses cluster = new GatewayProcesses(workDir, sim, gateways + spare, env);
    cluster.writeHazelcastConf(heartbeatSeconds);
    for (int i = 0; i < gateways; i++) {
      cluster.processes.add(null);
    }
    cluster.launch(0).awaitReady(cluster.http(0));
    for (int i = 1; i < gateways; i++) {
      cluster.launch(i);
    }
    for (int i = 1; i < gateways; i++) {
      cluster.processes.get(i).awaitReady(cluster.http(i));
    }
    Await.until("every gateway sees " + gateways + " gateways", () ->
        cluster.allAgree(gateways));
    return cluster;
  }

  private GatewayProcesses(Path workDir, LinqSimulator sim, int members, Map<String, String> extra) {
    this.workDir = workDir;
    for (int i = 0; i < members; i++) {
      memberPorts.add(Ports.free());
      httpPorts.add(Ports.free());
    }
    env = new HashMap<>(extra);
    env.put("GATEWAY_CLUSTER", "true");
    env.put("GATEWAY_CLUSTER_NAME", name);
    env.put("GATEWAY_CLUSTER_MEMBERS", memberPorts.stream().map(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(",")));
    env.put("GATEWAY_HTTP_HOST", "127.0.0.1");
    env.put("LINQ_API_V3_BASE_URL", sim.baseUrl());
    env.put("LINQ_API_V3_API_KEY", sim.apiKey());
    env.putIfAbsent("GATEWAY_API_KEYS", "it=" + KEY);
    env.put("GATEWAY_SHUTDOWN_GRACE_SECONDS", "5");
  }

  /** The jar's Hazelcast file with another heartbeat timeout, where every gateway here reads it. */
  private void writeHazelcastConf(int heartbeatSeconds) {
    try (InputStream in = GatewayProcesses.class.getResourceAsStream("/hazelcast-gateway.xml")) {
      String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace(
          "<property name=\"hazelcast.max.no.heartbeat.seconds\">5</property>",
          "<property name=\"hazelcast.max.no.heartbeat.seconds\">" + heartbeatSeconds + "</property>");
      Files.createDirectories(workDir.resolve("conf"));
      Files.writeString(workDir.resolve("conf/hazelcast.xml"), xml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JarProcess launch(int i) {
    Map<String, String> own = new HashMap<>(env);
    own.put("GATEWAY_CLUSTER_PORT", String.valueOf(memberPorts.get(i)));
    own.put("GATEWAY_HTTP_PORT", String.valueOf(httpPorts.get(i)));
    JarProcess process = JarProcess.start(workDir, "gateway-" + i + "-" + (starts++), own, "serve");
    processes.set(i, process);
    return process;
  }

  public String name() {
    return name;
  }

  /** Every member port, the spare ones included (the seed list of a consumer application). */
  public List<Integer> memberPorts() {
    return memberPorts;
  }

  /** The member port kept for another member. */
  public int sparePort(int spare) {
    return memberPorts.get(processes.size() + spare);
  }

  public int clusterPort(int gateway) {
    return memberPorts.get(gateway);
  }

  public int http(int gateway) {
    return httpPorts.get(gateway);
  }

  public JarProcess process(int gateway) {
    return processes.get(gateway);
  }

  /** SIGTERM, waits for the exit, starts it again (now the youngest gateway) and waits for it to be ready. */
  public void restart(int gateway) {
    processes.get(gateway).terminate();
    processes.get(gateway).waitForExit();
    processes.get(gateway).close();
    launch(gateway).awaitReady(http(gateway));
  }

  /** The engine's status in {@code /health} (rate, pausedMillis, cluster: members, gateways, owner, owns). */
  public JsonObject status(int gateway) {
    JsonArray checks = new JsonObject(get(gateway, "/health").body()).getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      if ("engine".equals(check.getString("id"))) {
        return check.getJsonObject("data", new JsonObject());
      }
    }
    throw new AssertionError("no engine check on gateway " + gateway);
  }

  public JsonObject clusterStatus(int gateway) {
    return status(gateway).getJsonObject("cluster");
  }

  /** The index of the gateway that says it sends for the cluster, or -1. */
  public int owner() {
    for (int i = 0; i < processes.size(); i++) {
      if (processes.get(i).isAlive() && clusterStatus(i).getBoolean("owns")) {
        return i;
      }
    }
    return -1;
  }

  private boolean allAgree(int gateways) {
    String owner = null;
    for (int i = 0; i < processes.size(); i++) {
      if (!processes.get(i).isAlive()) {
        continue;
      }
      JsonObject cluster = clusterStatus(i);
      if (cluster.getInteger("gateways") != gateways || (owner != null && !owner.equals(cluster.getString("owner")))) {
        return false;
      }
      owner = cluster.getString("owner");
    }
    return true;
  }

  /** Waits until the live gateways all see {@code gateways} gateways and agree on the owner. */
  public void awaitAgreement(int gateways, Duration within) {
    Await.until("the gateways agree on " + gateways + " gateways and their owner",
        () -> allAgree(gateways));
  }

  /** A series of the gateway's {@code /metrics}, 0 when absent. */
  public double metric(int gateway, String series) {
    return PrometheusText.valueOrZero(get(gateway, "/metrics").body(), series);
  }

  /** Requests the gateway sent to Linq that Linq answered. */
  public double upstreamAnswers(int gateway) {
    return metric(gateway, "linq_requests_total{outcome=\"answer\"}");
  }

  public HttpResponse<String> get(int gateway, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http(gateway) + path))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code check_imessage} on a gateway with client key {@code key} and deadline {@code timeoutMillis}. */
  public CompletableFuture<HttpResponse<String>> check(int gateway, String key, String address, long timeoutMillis) {
    return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http(gateway) + ROUTE))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .header("X-Request-Timeout-Ms", String.valueOf(timeoutMillis))
        .timeout(Duration.ofMillis(timeoutMillis + 10_000))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("address", address).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Checks of {@code addresses} on one gateway, all at once; their answers in order. */
  public List<HttpResponse<String>> checks(int gateway, String key, List<String> addresses, long timeoutMillis) {
    List<CompletableFuture<HttpResponse<String>>> calls = addresses.stream()
        .map(address -> check(gateway, key, address, timeoutMillis)).toList();
    return calls.stream().map(CompletableFuture::join).toList();
  }

  /** {@code count} distinct valid US numbers of block {@code block}. */
  public static List<String> phones(int block, int count) {
    List<String> phones = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      phones.add(String.format("+1312%03d%04d", 200 + block, i));
    }
    return phones;
  }

  @Override
  public void close() {
    for (JarProcess process : processes) {
      if (process != null) {
        process.close();
      }
    }
  }
}
