package com.linqapp.gateway.bench;

import static com.linqapp.gateway.support.Await.await;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.cluster.ClusterNode;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.Ports;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Cluster benchmark (a {@code main}, not a test; run it with {@code bench/cluster.sh}): N gateway nodes
 * clustered on loopback in one JVM in front of one simulated Linq account whose limit is a token bucket
 * of rate R and burst B. Every node is told the account's limit ({@code LINQ_RATE_LIMIT_PER_SECOND=R},
 * {@code LINQ_RATE_LIMIT_BURST=B}) and paces at its share. The work, {@code R × seconds + B} distinct
 * addresses, is spread round-robin over every node's HTTP port with a bounded number outstanding per
 * node. Reports time ÷ ideal, where ideal = (work − B) ÷ R, and the share of upstream requests that got a
 * 429; then checks that an address checked on node A and then on node B costs one upstream call.
 *
 * <p>Arguments (all optional): {@code nodes=2,3 rate=20 burst=10 seconds=30 latency=50 outstanding=32}.
 */
public final class ClusterBenchmark {

  private static final String KEY = "bench-key";
  private static final String ROUTE = "/api/partner/v3/capability/check_imessage";

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>(Map.of("nodes", "2,3", "rate", "20", "burst", "10", "seconds", "30",
        "latency", "50", "outstanding", "32"));
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2 || !opts.containsKey(kv[0])) {
        System.err.println("usage: ClusterBenchmark [nodes=2,3] [rate=R] [burst=B] [seconds=S] [latency=MS] [outstanding=K]");
        System.exit(2);
      }
      opts.put(kv[0], kv[1]);
    }
    double rate = Double.parseDouble(opts.get("rate"));
    int burst = Integer.parseInt(opts.get("burst"));
    int seconds = Integer.parseInt(opts.get("seconds"));
    long latency = Long.parseLong(opts.get("latency"));
    int outstanding = Integer.parseInt(opts.get("outstanding"));
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "machine: nproc=%d, CPU %s, Java %s (%s)", java.lang.Runtime.getRuntime()
        .availableProcessors(), cpuModel(), System.getProperty("java.version"), System.getProperty("java.vm.name")));
    lines.add(String.format(Locale.ROOT, "account: token bucket R=%s/s, burst B=%d; upstream latency %d ms; "
        + "%d outstanding per node", opts.get("rate"), burst, latency, outstanding));
    lines.add("| nodes | checks | time (s) | ideal (s) | time ÷ ideal | upstream requests | 429s | 429 share "
        + "| answered 200 | other | A then B: upstream calls |");
    lines.add("|---|---|---|---|---|---|---|---|---|---|---|");
    for (String n : opts.get("nodes").split(",")) {
      lines.add(run(Integer.parseInt(n.trim()), rate, burst, seconds, latency, outstanding));
      System.out.println(lines.get(lines.size() - 1));
    }
    System.out.println();
    lines.forEach(System.out::println);
    System.exit(0);
  }

  private static String run(int nodes, double rate, int burst, int seconds, long latency, int outstanding)
      throws Exception {
    Vertx clientVertx = Vertx.vertx();
    LinqSimulator sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
    sim.tokenBucket(rate, burst).latency(latency, 0);
    WebClient web = WebClient.create(clientVertx, new WebClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(outstanding * 2));
    String name = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      ports.add(Ports.free());
    }
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<Future<ClusterNode>> joining = new ArrayList<>();
    List<GatewayConfig> configs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      GatewayConfig config = GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(new JsonObject()
          .put("LINQ_API_V3_BASE_URL", sim.baseUrl()).put("LINQ_API_V3_API_KEY", sim.apiKey())
          .put("GATEWAY_HTTP_HOST", "127.0.0.1").put("GATEWAY_HTTP_PORT", Ports.free())
          .put("GATEWAY_API_KEYS", "bench=" + KEY)
          .put("LINQ_RATE_LIMIT_PER_SECOND", rate).put("LINQ_RATE_LIMIT_BURST", burst)
          .put("GATEWAY_CLUSTER", true).put("GATEWAY_CLUSTER_NAME", name)
          .put("GATEWAY_CLUSTER_HOST", "127.0.0.1").put("GATEWAY_CLUSTER_PORT", ports.get(i))
          .put("GATEWAY_CLUSTER_MEMBERS", members)));
      configs.add(config);
      joining.add(ClusterNode.join(config.clusterOptions(), new VertxOptions(), null));
    }
    List<ClusterNode> cluster = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      ClusterNode node = await(joining.get(i));
      await(Gateway.serve(node.vertx(), configs.get(i), GatewayMetrics.create(), node));
      cluster.add(node);
    }
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cluster.stream().anyMatch(node -> node.members() != nodes) && System.nanoTime() < waitUntil) {
      Thread.sleep(100);
    }
    Thread.sleep(1_500); // let the simulator's bucket refill whatever the start cost it (nothing, normally)
    sim.tokenBucket(rate, burst);
    sim.resetStats();

    int work = (int) Math.round(rate * seconds) + burst;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    Map<Integer, AtomicInteger> other = new java.util.concurrent.ConcurrentHashMap<>();
    Promise<Void> done = Promise.promise();
    AtomicInteger finished = new AtomicInteger();
    long start = System.nanoTime();
    for (int node = 0; node < nodes; node++) {
      int port = configs.get(node).httpPort();
      for (int k = 0; k < outstanding; k++) {
        clientVertx.runOnContext(v -> sendNext(web, port, next, work, ok, other, finished, done));
      }
    }
    done.future().toCompletionStage().toCompletableFuture().get(seconds * 10L + 60, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long upstream = sim.stats().checkRequests();
    long limited = sim.stats().rateLimited429();
    double ideal = (work - burst) / rate;

    // an address checked on node A and then on node B: one upstream call
    String address = "+14155550199";
    HttpResponse<Buffer> onA = await(post(web, configs.get(0).httpPort(), address));
    HttpResponse<Buffer> onB = await(post(web, configs.get(1).httpPort(), address));
    long callsForAddress = sim.stats().requestsFor(address);
    String sharing = callsForAddress + " (A " + onA.statusCode() + " " + onA.getHeader("X-Cache") + ", B "
        + onB.statusCode() + " " + onB.getHeader("X-Cache") + ")";

    for (ClusterNode node : cluster) {
      node.vertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    web.close();
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return String.format(Locale.ROOT, "| %d | %d | %.1f | %.1f | %.3f | %d | %d | %.2f%% | %d | %s | %s |", nodes, work,
        elapsed, ideal, elapsed / ideal, upstream, limited, upstream == 0 ? 0.0 : 100.0 * limited / upstream, ok.get(),
        other.isEmpty() ? "0" : other.toString(), sharing);
  }

  private static void sendNext(WebClient web, int port, AtomicInteger next, int work, AtomicInteger ok,
                               Map<Integer, AtomicInteger> other, AtomicInteger finished, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= work) {
      return;
    }
    post(web, port, String.format("+1312%07d", 2_000_000 + i)).onComplete(result -> {
      if (result.succeeded() && result.result().statusCode() == 200) {
        ok.incrementAndGet();
      } else {
        int status = result.succeeded() ? result.result().statusCode() : -1;
        other.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
      }
      if (finished.incrementAndGet() == work) {
        done.tryComplete();
      }
      sendNext(web, port, next, work, ok, other, finished, done);
    });
  }

  private static Future<HttpResponse<Buffer>> post(WebClient web, int port, String address) {
    return web.post(port, "127.0.0.1", ROUTE).putHeader("Authorization", "Bearer " + KEY)
        .putHeader("Content-Type", "application/json").putHeader("X-Request-Timeout-Ms", "50000")
        .sendBuffer(Buffer.buffer(new JsonObject().put("address", address).encode()));
  }

  private static String cpuModel() {
    try {
      return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }


}
