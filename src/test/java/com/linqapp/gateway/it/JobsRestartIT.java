package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable jobs across a crash: the real jar, a job submitted with the {@code jobs} command, the gateway killed
 * with SIGKILL half-way, started again on the same job directory; every line answered exactly once.
 */
class JobsRestartIT {

  private static final int LINES = 2_000;
  private static final int RATE = 100;
  private static final int MAX_CONCURRENCY = 16;
  /** The runner's write batch: the most answers bought but not yet durable at a crash. */
  private static final int FLUSH_LINES = 500;
  private static final String KEY = "restart-key";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path workDir;

  Sim sim;
  JarProcess gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private JarProcess serve(String name, int port) {
    Map<String, String> env = new HashMap<>(Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl(), "LINQ_API_V3_API_KEY",
        sim.apiKey(), "GATEWAY_HTTP_HOST", "127.0.0.1", "GATEWAY_HTTP_PORT", String.valueOf(port),
        "GATEWAY_API_KEYS", "crm=" + KEY, "LINQ_RATE_LIMIT_PER_SECOND", String.valueOf(RATE),
        "LINQ_MAX_CONCURRENCY", String.valueOf(MAX_CONCURRENCY), "GATEWAY_JOBS_DIR", workDir.resolve("jobs").toString()));
    return JarProcess.start(workDir, name, env, "serve").awaitReady(port, Duration.ofSeconds(60));
  }

  private static JsonObject status(int port, String id) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/v1/jobs/" + id)).header("Authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private JsonObject awaitStatus(int port, String id, Duration within, java.util.function.Predicate<JsonObject> done)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      JsonObject job = status(port, id);
      if (done.test(job)) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job not there within " + within + ": " + job + "\n" + gateway.logs());
      }
      Thread.sleep(100);
    }
  }

  @Test
  @DisplayName("kill -9 at half way, restart: every line answered exactly once, upstream calls bounded")
  void killedAndRestarted() throws Exception {
    sim = new Sim(new SimulatorOptions().setRateLimitMode(com.linqapp.gateway.sim.RateLimitMode.TOKEN_BUCKET)
        .setRatePerSecond(RATE * 1.1).setBurst(10));
    int port = JarProcess.freePort();
    gateway = serve("gateway-1", port);
    StringBuilder csv = new StringBuilder("address\n");
    for (int i = 0; i < LINES; i++) {
      csv.append(String.format("+1202%07d", 5_550_000 + i)).append('\n');
    }
    Path input = workDir.resolve("leads.csv");
    Files.writeString(input, csv, StandardCharsets.UTF_8);
    Map<String, String> cli = Map.of("GATEWAY_CLIENT_KEY", KEY);
    String gatewayUrl = "http://127.0.0.1:" + port;
    JarProcess submit = JarProcess.run(workDir, "submit", cli, "jobs", "submit", input.toString(), "--gateway",
        gatewayUrl);
    assertThat(submit.exitCode()).as(submit.logs()).isZero();
    String id = new JsonObject(submit.stdout().trim()).getString("id");

    JsonObject half = awaitStatus(port, id, Duration.ofSeconds(60), job -> job.getLong("answered") >= LINES / 2);
    gateway.kill();
    long boughtBeforeCrash = sim.simulator.stats().checkRequests();
    long durableBeforeCrash = half.getLong("answered");

    gateway = serve("gateway-2", port);
    JsonObject done = awaitStatus(port, id, Duration.ofSeconds(90), job -> "completed".equals(job.getString("status")));
    assertThat(done.getLong("answered")).isEqualTo(LINES);

    Path output = workDir.resolve("answers.ndjson");
    JarProcess results = JarProcess.run(workDir, "results", cli, "jobs", "results", id, "--output",
        output.toString(), "--gateway", gatewayUrl);
    assertThat(results.exitCode()).as(results.logs()).isZero();
    List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
    Set<Long> indexes = new HashSet<>();
    for (String line : lines) {
      JsonObject answer = new JsonObject(line);
      assertThat(answer.containsKey("error")).as(line).isFalse();
      assertThat(indexes.add(answer.getLong("index"))).as("answered twice: " + line).isTrue();
    }
    assertThat(lines).hasSize(LINES);
    assertThat(indexes).hasSize(LINES).allMatch(index -> index >= 0 && index < LINES);

    long upstream = sim.simulator.stats().checkRequests();
    long rebought = upstream - LINES;
    System.out.printf("JobsRestartIT: %d lines, %d upstream calls (%d bought again: %d bought before the crash, "
        + "%d of them durable; bound = in flight %d + unflushed batch %d)%n", LINES, upstream, rebought,
        boughtBeforeCrash, durableBeforeCrash, MAX_CONCURRENCY, FLUSH_LINES);
    assertThat(upstream).isLessThanOrEqualTo(LINES + MAX_CONCURRENCY + FLUSH_LINES);
    assertThat(gateway.stderr() + gateway.stdout()).as("no address in the logs").doesNotContain("+12025550");
  }
}
