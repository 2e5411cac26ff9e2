package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.JobsClient;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real gateway processes sharing one PostgreSQL job store (a throw-away server of the test's): any
 * gateway serves any job, a cancel made on the gateway that does not run the job stops it on the one that
 * does, and when the runner is killed with SIGKILL the other takes the job over from its last durable
 * answer — every line answered exactly once. The database password appears in no output.
 */
class PgJobsIT {

  static final PostgresServer SERVER = PostgresServer.shared();
  static final String KEY = "pg-it-key";
  static final int RATE = 100;
  static final int MAX_CONCURRENCY = 16;
  /** The runner's write batch at most: what a killed runner may have bought without writing. */
  static final int FLUSH_LINES = 500;
  static final int LEASE_SECONDS = 5;

  @TempDir
  Path workDir;

  Sim sim;
  final List<JarProcess> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(JarProcess::close);
    if (sim != null) {
      sim.close();
    }
  }

  private Map<String, String> env(int port, String store) {
    Map<String, String> env = new HashMap<>();
    env.put("LINQ_API_V3_BASE_URL", sim == null ? "http://127.0.0.1:9" : sim.baseUrl());
    env.put("LINQ_API_V3_API_KEY", sim == null ? "unused" : sim.apiKey());
    env.put("GATEWAY_HTTP_HOST", "127.0.0.1");
    env.put("GATEWAY_HTTP_PORT", String.valueOf(port));
    env.put("GATEWAY_API_KEYS", "crm=" + KEY);
    env.put("LINQ_RATE_LIMIT_PER_SECOND", String.valueOf(RATE));
    env.put("LINQ_MAX_CONCURRENCY", String.valueOf(MAX_CONCURRENCY));
    env.put("GATEWAY_JOBS_STORE", store);
    env.put("GATEWAY_JOBS_LEASE_SECONDS", String.valueOf(LEASE_SECONDS));
    env.put("GATEWAY_LOG_LEVEL", "DEBUG");
    return env;
  }

  private JarProcess serve(String name, int port, String store) {
    JarProcess process = JarProcess.start(workDir, name, env(port, store), "serve");
    processes.add(process);
    return process;
  }

  /** A gateway of the pair: its job routes and its process. */
  private record Gateway(String name, JobsClient jobs, JarProcess process) {
    int port() {
      return jobs.port();
    }
  }

  /** Which gateway runs the job: the one that logged starting it (last, when it moved). */
  static Gateway awaitRunner(String id, Duration within, Gateway... gateways) throws InterruptedException {
    Pattern started = Pattern.compile("Job " + id + " of crm started here");
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      for (Gateway gateway : gateways) {
        if (gateway.process().isAlive() && started.matcher(gateway.process().stderr()).find()) {
          return gateway;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no gateway started job " + id);
  }

  static List<String> addresses(int block, int count) {
    return java.util.stream.IntStream.range(0, count).mapToObj(i -> String.format("+1202%03d%04d", 300 + block, i))
        .toList();
  }

  @Test
  @DisplayName("two gateways, one database: cancel from the other gateway, SIGKILL of the runner, exact takeover")
  void twoGatewaysShareJobs() throws Exception {
    sim = new Sim(new SimulatorOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(RATE * 1.1)
        .setBurst(10));
    String database = SERVER.createDatabase("two_gateways");
    String store = SERVER.url(database);
    int portA = Ports.free();
    int portB = Ports.free();
    Gateway a = new Gateway("A", new JobsClient(portA, KEY), serve("pg-gateway-a", portA, store));
    Gateway b = new Gateway("B", new JobsClient(portB, KEY), serve("pg-gateway-b", portB, store));
    a.process().awaitReady(portA);
    b.process().awaitReady(portB);

    // 1. A cancel made on the gateway that does not run the job stops the run where it is.
    List<String> cancelledAddresses = addresses(1, 2_000);
    String cancelled = a.jobs().submit(cancelledAddresses);
    Gateway holder = awaitRunner(cancelled, Duration.ofSeconds(30), a, b);
    Gateway other = holder == a ? b : a;
    other.jobs().awaitStatus(cancelled, Duration.ofSeconds(30), job -> job.getLong("answered") >= 100);
    HttpResponse<String> deleted = other.jobs().call("DELETE", "/v1/jobs/" + cancelled, null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
    assertThat(new JsonObject(deleted.body()).getString("status")).isEqualTo("cancelled");
    eventuallyLogged(holder, "Job " + cancelled + " cancelled; stopping its run");
    JsonObject afterCancel = holder.jobs().status(cancelled);
    assertThat(afterCancel.getString("status")).isEqualTo("cancelled");
    assertThat(afterCancel.getLong("answered")).isLessThan(cancelledAddresses.size());

    // 2. A job runs on one gateway; the other follows its results; the runner is killed half-way.
    List<String> addresses = addresses(2, 2_000);
    String id = other.jobs().submit(addresses);
    Gateway runner = awaitRunner(id, Duration.ofSeconds(30), a, b);
    Gateway survivor = runner == a ? b : a;
    CompletableFuture<List<String>> followed = survivor.jobs().follow(id);
    survivor.jobs().awaitStatus(id, Duration.ofSeconds(60), job -> job.getLong("answered") >= addresses.size() / 3);
    runner.process().kill();
    LocalTime killedAt = LocalTime.now();
    long durableAtKill = survivor.jobs().status(id).getLong("answered");

    eventuallyLogged(survivor, "Job " + id + " of crm started here");
    JsonObject done = survivor.jobs().awaitStatus(id, Duration.ofSeconds(120),
        job -> "completed".equals(job.getString("status")));
    double resumedAfter = secondsToResume(survivor, id, killedAt);
    assertThat(done.getLong("answered")).isEqualTo(addresses.size());

    // every line exactly once: through the follower on the surviving gateway, and through a plain read
    List<String> streamed = followed.get(60, TimeUnit.SECONDS);
    assertExactlyOnce(streamed, addresses.size());
    HttpResponse<String> results = survivor.jobs().call("GET", "/v1/jobs/" + id + "/results?limit=5000", null);
    assertExactlyOnce(results.body().lines().toList(), addresses.size());

    long upstream = addresses.stream().mapToLong(sim.simulator.stats()::requestsFor).sum();
    System.out.printf("PgJobsIT: %d lines, %d upstream calls for them (%d durable at the kill; bound = in flight %d"
            + " + unflushed batch %d); the survivor resumed %.1f s after the kill (lease %d s)%n", addresses.size(),
        upstream, durableAtKill, MAX_CONCURRENCY, FLUSH_LINES, resumedAfter, LEASE_SECONDS);
    assertThat(upstream).isLessThanOrEqualTo(addresses.size() + MAX_CONCURRENCY + FLUSH_LINES);
    // the lease, one scan, and a loaded machine's slack
    assertThat(resumedAfter).isLessThan(LEASE_SECONDS + 30);

    // the cancelled job stayed stopped, and reads work on any gateway
    long cancelledCalls = cancelledAddresses.stream().mapToLong(sim.simulator.stats()::requestsFor).sum();
    assertThat(survivor.jobs().status(cancelled).getLong("answered")).isLessThanOrEqualTo(cancelledCalls);
    assertThat(cancelledCalls).as("the cancelled job's checks stopped").isLessThan(cancelledAddresses.size());
    HttpResponse<String> list = survivor.jobs().call("GET", "/v1/jobs", null);
    assertThat(list.body()).contains(id).contains(cancelled);

    // the pool's metrics are exported
    HttpResponse<String> metrics = Http.get(survivor.port(), "/metrics");
    assertThat(metrics.body().lines().filter(line -> line.startsWith("vertx_pool_")
        && line.contains("pool_name=\"gateway-jobs\"")).toList()).as("pool metrics").isNotEmpty();

    survivor.process().terminate();
    survivor.process().waitForExit();
    for (JarProcess process : processes) {
      assertThat(process.stdout() + process.stderr()).as(process.logs()).doesNotContain(PostgresServer.PASSWORD)
          .doesNotContain("+1202301").doesNotContain("+1202302");
    }
  }

  /** From the kill to the survivor taking the job (its log line's time; one machine, one wall clock). */
  private static double secondsToResume(Gateway survivor, String id, LocalTime killedAt) {
    Matcher line = Pattern.compile("(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) .*Job " + id + " of crm started here")
        .matcher(survivor.process().stderr());
    assertThat(line.find()).as("the survivor's start line").isTrue();
    long millis = Duration.between(killedAt, LocalTime.parse(line.group(1))).toMillis();
    return (millis < 0 ? millis + Duration.ofDays(1).toMillis() : millis) / 1000.0; // past midnight
  }

  private static void eventuallyLogged(Gateway gateway, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!gateway.process().stderr().contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(gateway.name() + " never logged '" + text + "'\n" + gateway.process().logs());
      }
      Thread.sleep(100);
    }
  }

  private static void assertExactlyOnce(List<String> lines, int total) {
    Set<Long> indexes = new HashSet<>();
    for (String line : lines) {
      JsonObject answer = new JsonObject(line);
      assertThat(answer.containsKey("error")).as(line).isFalse();
      assertThat(indexes.add(answer.getLong("index"))).as("answered twice: " + line).isTrue();
    }
    assertThat(indexes).hasSize(total).allMatch(index -> index >= 0 && index < total);
  }

  @Test
  @DisplayName("a job schema newer than the gateway: exit 2 with a clear message")
  void newerSchemaIsExit2() throws Exception {
    String database = SERVER.createDatabase("newer_schema");
    int port = Ports.free();
    JarProcess first = serve("pg-schema-first", port, SERVER.url(database)).awaitReady(port);
    first.terminate();
    first.waitForExit();
    SERVER.psql(database, "INSERT INTO gateway_schema_version (version, script) VALUES (99, 'V99__future.sql')");

    JarProcess refused = serve("pg-schema-newer", port, SERVER.url(database));
    assertThat(refused.waitForExit()).as(refused.logs()).isEqualTo(2);
    assertThat(refused.stderr()).contains("configuration error: GATEWAY_JOBS_STORE: the database's job schema is at "
        + "version 99, newer than this gateway knows");
    assertThat(refused.stdout() + refused.stderr()).doesNotContain(PostgresServer.PASSWORD);
  }

  @Test
  @DisplayName("a wrong password or a bad URL stops the start, and no output shows the password given")
  void passwordsStayOutOfErrors() {
    String database = SERVER.createDatabase("bad_password");
    String wrong = "Wrong-Pa55-4f9a";
    int port = Ports.free();
    JarProcess rejected = serve("pg-wrong-password", port, SERVER.url(database).replace(PostgresServer.PASSWORD, wrong));
    assertThat(rejected.waitForExit()).as(rejected.logs()).isEqualTo(1);
    assertThat(rejected.stderr()).contains("could not start").contains("password authentication failed");
    assertThat(rejected.stdout() + rejected.stderr()).doesNotContain(wrong);

    JarProcess malformed = serve("pg-bad-url", port, "postgresql://gateway:" + wrong + "@127.0.0.1:port/" + database);
    assertThat(malformed.waitForExit()).as(malformed.logs()).isEqualTo(2);
    assertThat(malformed.stderr()).contains("GATEWAY_JOBS_STORE").contains("postgresql://gateway:***@");
    assertThat(malformed.stdout() + malformed.stderr()).doesNotContain(wrong);
  }
}
