package com.linqapp.gateway.bench;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.JobsClient;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PostgreSQL job store's benchmark (a {@code main}, not a test; run it with {@code bench/pg-jobs.sh}): real
 * gateway jars on a durable throw-away PostgreSQL server (fsync and synchronous commits on, as PostgreSQL
 * ships; a fresh one for each case), in front of the Linq simulator. Cases, each run {@code runs} times:
 * <ul>
 *   <li>{@code submit}: {@code POST /v1/jobs} of {@code lines} NDJSON lines, streamed; lines ÷ time to the
 *       {@code 202} (target ≥ 10,000 lines/s for 1,000,000 lines). The job is cancelled right after.</li>
 *   <li>{@code cache}: a job of {@code hits} addresses all in the answer cache (a first job checked them, a
 *       second one, not counted, warmed the JIT); lines ÷ (finished_at − started_at) (target ≥ 5,000 lines/s).</li>
 *   <li>{@code takeover}: two gateways on one database and a limit of {@code rate}/s; the gateway running a
 *       {@code takeover}-line job is killed with SIGKILL at half-way; the other finishes it. Lines lost and
 *       answered twice (target 0), upstream calls for the job's addresses against distinct + in flight + one
 *       unflushed batch, and the time from the kill to the takeover (target ≤ lease + 5 s).</li>
 * </ul>
 * Arguments (all optional): {@code cases=submit,cache,takeover runs=3 lines=1000000 hits=20000 takeover=20000
 * rate=200 lease=30 store=postgresql}; {@code store=file} runs the submit and cache cases on the embedded store,
 * for comparison.
 */
public final class PgJobsBenchmark {

  private static final String KEY = "bench-key";
  private static final int MAX_CONCURRENCY = 16;
  private static final int FLUSH_LINES = 500;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final Map<String, String> opts;
  private final Path workDir;
  /** The current case's server: each case has a fresh one, so none pays for another's autovacuum. */
  private PostgresServer server;
  private final List<JarProcess> processes = new ArrayList<>();
  private Sim sim;
  private int block;

  private PgJobsBenchmark(Map<String, String> opts, Path workDir) {
    this.opts = opts;
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new TreeMap<>(Map.of("cases", "submit,cache,takeover", "runs", "3",
        "lines", "1000000", "hits", "20000", "takeover", "20000", "rate", "200", "lease", "30", "store", "postgresql"));
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2 || !opts.containsKey(kv[0])) {
        System.err.println("usage: PgJobsBenchmark " + opts.keySet().stream().map(k -> "[" + k + "=…]").toList());
        System.exit(2);
      }
      opts.put(kv[0], kv[1]);
    }
    Path workDir = Files.createTempDirectory("pg-jobs-bench-");
    PgJobsBenchmark bench = new PgJobsBenchmark(opts, workDir);
    List<String> report = new ArrayList<>();
    try {
      for (String name : opts.get("cases").split(",")) {
        bench.server = PostgresServer.start(true);
        if (report.isEmpty()) {
          report.add(String.format(Locale.ROOT, "machine: nproc=%d, Java %s; PostgreSQL %s (fsync %s, "
                  + "synchronous_commit %s), a fresh server per case; load before: %s",
              Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
              bench.server.psql("postgres", "SHOW server_version").trim(),
              bench.server.psql("postgres", "SHOW fsync").trim(),
              bench.server.psql("postgres", "SHOW synchronous_commit").trim(), loadAverage()));
        }
        try {
          switch (name.trim()) {
            case "submit" -> report.addAll(bench.submit());
            case "cache" -> report.addAll(bench.cacheHits());
            case "takeover" -> report.addAll(bench.takeover());
            default -> throw new IllegalArgumentException("unknown case " + name);
          }
        } finally {
          bench.close();
          bench.server.stop();
        }
      }
      report.add("load after: " + loadAverage());
    } finally {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
    System.out.println();
    report.forEach(System.out::println);
    System.exit(0);
  }

  // ---- cases ------------------------------------------------------------------------------------------------

  private List<String> submit() throws Exception {
    int lines = Integer.parseInt(opts.get("lines"));
    sim = new Sim(new SimulatorOptions());
    int port = Ports.free();
    String database = server.createDatabase("bench_submit");
    gateway("bench-submit", port, store(database), 30);
    List<String> rows = new ArrayList<>(List.of("", "### submit (" + opts.get("store") + " store): " + lines
        + " lines, NDJSON streamed to POST /v1/jobs",
        "", "| run | time to 202 (s) | lines/s |", "|---|---:|---:|"));
    List<Double> rates = new ArrayList<>();
    for (int run = 1; run <= runs(); run++) {
      int from = nextBlock() * 1_000_000;
      long start = System.nanoTime();
      HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(jobs(port))
          .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/x-ndjson")
          .timeout(Duration.ofMinutes(10))
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new NdjsonLines(from, lines))).build(),
          HttpResponse.BodyHandlers.ofString());
      double seconds = (System.nanoTime() - start) / 1e9;
      check(accepted.statusCode() == 202, "submission refused: " + accepted.statusCode() + " " + accepted.body());
      String id = new JsonObject(accepted.body()).getString("id");
      check(new JsonObject(accepted.body()).getLong("total") == lines, "total " + accepted.body());
      new JobsClient(port, KEY).call("DELETE", "/v1/jobs/" + id, null); // the next run runs alone
      rates.add(lines / seconds);
      rows.add(String.format(Locale.ROOT, "| %d | %.1f | %,.0f |", run, seconds, lines / seconds));
      System.out.println(rows.get(rows.size() - 1));
    }
    rows.add(summary("lines/s", rates, 10_000, true));
    if (!fileStore()) {
      rows.add("- database size after " + runs() + " submissions of " + lines + " lines: "
          + server.psql("postgres", "SELECT pg_size_pretty(pg_database_size('" + database + "'))").trim());
    }
    stopAll();
    return rows;
  }

  private List<String> cacheHits() throws Exception {
    int hits = Integer.parseInt(opts.get("hits"));
    sim = new Sim(new SimulatorOptions());
    int port = Ports.free();
    String database = server.createDatabase("bench_cache");
    gateway("bench-cache", port, store(database), 30);
    JobsClient jobs = new JobsClient(port, KEY);
    List<String> addresses = addresses(nextBlock(), hits);
    String warm = jobs.submit(addresses);
    jobs.awaitStatus(warm, Duration.ofMinutes(10), job -> "completed".equals(job.getString("status")));
    // One job of hits not counted: the first such job in a JVM runs code the JIT has not compiled yet.
    String jit = jobs.submit(addresses);
    jobs.awaitStatus(jit, Duration.ofMinutes(10), job -> "completed".equals(job.getString("status")));
    List<String> rows = new ArrayList<>(List.of("", "### cache (" + opts.get("store") + " store): a job of " + hits
        + " lines, all answer-cache hits",
        "", "| run | started → finished (s) | lines/s | upstream calls during the run |", "|---|---:|---:|---:|"));
    List<Double> rates = new ArrayList<>();
    for (int run = 1; run <= runs(); run++) {
      long before = sim.simulator.stats().checkRequests();
      String id = jobs.submit(addresses);
      JsonObject done = jobs.awaitStatus(id, Duration.ofMinutes(10), job -> "completed".equals(job.getString("status")));
      double seconds = Duration.between(Instant.parse(done.getString("started_at")),
          Instant.parse(done.getString("finished_at"))).toNanos() / 1e9;
      rates.add(hits / seconds);
      rows.add(String.format(Locale.ROOT, "| %d | %.2f | %,.0f | %d |", run, seconds, hits / seconds,
          sim.simulator.stats().checkRequests() - before));
      System.out.println(rows.get(rows.size() - 1));
    }
    rows.add(summary("lines/s", rates, 5_000, true));
    if (!fileStore()) {
      server.psql(database, "VACUUM ANALYZE");
      long bytes = Long.parseLong(server.psql(database, "SELECT pg_total_relation_size('gateway_job_lines') "
          + "+ pg_total_relation_size('gateway_job_answers') + pg_total_relation_size('gateway_jobs')").trim());
      rows.add(String.format(Locale.ROOT, "- on disk: %,d bytes per line with its answer (%d jobs of %d lines: "
          + "tables and indexes)", bytes / ((runs() + 2L) * hits), runs() + 2, hits));
    }
    stopAll();
    return rows;
  }

  private List<String> takeover() throws Exception {
    int lines = Integer.parseInt(opts.get("takeover"));
    int rate = Integer.parseInt(opts.get("rate"));
    int lease = Integer.parseInt(opts.get("lease"));
    sim = new Sim(new SimulatorOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(rate * 1.1)
        .setBurst(10));
    String store = server.url(server.createDatabase("bench_takeover"));
    int[] ports = {Ports.free(), Ports.free()};
    JobsClient[] clients = {new JobsClient(ports[0], KEY), new JobsClient(ports[1], KEY)};
    JarProcess[] gateways = new JarProcess[2];
    List<String> rows = new ArrayList<>(List.of("", String.format(Locale.ROOT, "### takeover: %d lines at %d/s, "
            + "two gateways, the runner killed with SIGKILL at half-way (lease %d s)", lines, rate, lease), "",
        "| run | answered at the kill | lost | answered twice | upstream calls | bound (distinct + in flight + batch) "
            + "| bought again | kill → taken over (s) | kill → next answer (s) | total (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"));
    List<Double> resumes = new ArrayList<>();
    for (int run = 1; run <= runs(); run++) {
      for (int g = 0; g < 2; g++) {
        if (gateways[g] == null || !gateways[g].isAlive()) {
          gateways[g] = gateway("bench-takeover-" + run + "-" + g, ports[g], store, lease, "LINQ_RATE_LIMIT_PER_SECOND",
              String.valueOf(rate), "LINQ_MAX_CONCURRENCY", String.valueOf(MAX_CONCURRENCY));
        }
      }
      List<String> addresses = addresses(nextBlock(), lines);
      long start = System.nanoTime();
      String id = clients[0].submit(addresses);
      int runner = awaitRunner(id, gateways);
      JobsClient survivor = clients[1 - runner];
      survivor.awaitStatus(id, Duration.ofMinutes(10), job -> job.getLong("answered") >= lines / 2);
      gateways[runner].kill();
      LocalTime killedAt = LocalTime.now();
      long killNanos = System.nanoTime();
      long durable = survivor.status(id).getLong("answered");
      survivor.awaitStatus(id, Duration.ofMinutes(5), job -> job.getLong("answered") > durable);
      double nextAnswer = (System.nanoTime() - killNanos) / 1e9;
      survivor.awaitStatus(id, Duration.ofMinutes(10), job -> "completed".equals(job.getString("status")));
      double total = (System.nanoTime() - start) / 1e9;
      double takenOver = secondsUntilLogged(gateways[1 - runner], killedAt, "Job " + id + " of bench started here");

      Set<Long> seen = new HashSet<>();
      long twice = 0;
      for (String line : survivor.follow(id).get(5, java.util.concurrent.TimeUnit.MINUTES)) {
        if (!seen.add(new JsonObject(line).getLong("index"))) {
          twice++;
        }
      }
      long lost = lines - seen.size();
      long upstream = addresses.stream().mapToLong(sim.simulator.stats()::requestsFor).sum();
      long bound = lines + MAX_CONCURRENCY + FLUSH_LINES;
      resumes.add(takenOver);
      rows.add(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d | %.1f | %.1f | %.1f |", run, durable,
          lost, twice, upstream, bound, upstream - lines, takenOver, nextAnswer, total));
      System.out.println(rows.get(rows.size() - 1));
    }
    rows.add(summary("kill → taken over (s)", resumes, lease + 5, false));
    stopAll();
    return rows;
  }

  // ---- gateways ---------------------------------------------------------------------------------------------

  private JarProcess gateway(String name, int port, String store, int leaseSeconds, String... more) {
    Map<String, String> env = new HashMap<>(Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl(), "LINQ_API_V3_API_KEY",
        sim.apiKey(), "GATEWAY_HTTP_HOST", "127.0.0.1", "GATEWAY_HTTP_PORT", String.valueOf(port),
        "GATEWAY_API_KEYS", "bench=" + KEY, "GATEWAY_JOBS_STORE", store,
        "GATEWAY_JOBS_LEASE_SECONDS", String.valueOf(leaseSeconds)));
    for (int i = 0; i + 1 < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    JarProcess process = JarProcess.start(workDir, name, env, "serve");
    processes.add(process);
    return process.awaitReady(port);
  }

  private int awaitRunner(String id, JarProcess[] gateways) throws InterruptedException {
    String started = "Job " + id + " of bench started here";
    for (int i = 0; i < 600; i++) {
      for (int g = 0; g < gateways.length; g++) {
        if (gateways[g].stderr().contains(started)) {
          return g;
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no gateway started job " + id);
  }

  /** Seconds from {@code since} to a log line's time (one machine, one wall clock). */
  private static double secondsUntilLogged(JarProcess process, LocalTime since, String text) {
    Matcher line = Pattern.compile("(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) .*" + Pattern.quote(text)).matcher(process.stderr());
    check(line.find(), "not logged: " + text);
    long millis = Duration.between(since, LocalTime.parse(line.group(1))).toMillis();
    return (millis < 0 ? millis + Duration.ofDays(1).toMillis() : millis) / 1000.0;
  }

  private void stopAll() {
    processes.forEach(JarProcess::close);
    processes.clear();
    if (sim != null) {
      sim.close();
      sim = null;
    }
  }

  private void close() {
    stopAll();
  }

  // ---- HTTP -------------------------------------------------------------------------------------------------

  private static URI jobs(int port) {
    return URI.create("http://127.0.0.1:" + port + "/v1/jobs");
  }

  // ---- data and reporting -----------------------------------------------------------------------------------

  /** {@code store=file}: the submit and cache cases on the embedded store instead, for comparison. */
  private boolean fileStore() {
    return "file".equals(opts.get("store"));
  }

  private String store(String database) {
    return fileStore() ? "file" : server.url(database);
  }

  private int runs() {
    return Integer.parseInt(opts.get("runs"));
  }

  /** Address blocks no other run uses: nothing is an idempotent resubmission or a cache hit by accident. */
  private int nextBlock() {
    return ++block;
  }

  /** US numbers {@code +1 (200 + block) NXX XXXX}: possible, distinct, never the simulator's specials. */
  static String address(int block, int i) {
    return String.format(Locale.ROOT, "+1%03d%07d", 200 + block, 2_000_000 + i);
  }

  static List<String> addresses(int block, int count) {
    List<String> addresses = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      addresses.add(address(block, i));
    }
    return addresses;
  }

  private static String summary(String what, List<Double> values, double target, boolean atLeast) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = sorted[sorted.length / 2];
    double worst = atLeast ? sorted[0] : sorted[sorted.length - 1];
    boolean met = atLeast ? worst >= target : worst <= target;
    return String.format(Locale.ROOT, "- %s: median %,.1f, worst %,.1f of %d runs; target %s %,.0f: %s", what, median,
        worst, sorted.length, atLeast ? "≥" : "≤", target, met ? "met" : "**not met**");
  }

  private static String loadAverage() {
    try {
      return Arrays.stream(Files.readString(Path.of("/proc/loadavg")).split(" ")).limit(3).toList().toString();
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException(message);
    }
  }

  /** {@code {"address":"..."}} lines made as they are read: a million-line body without a million-line file. */
  private static final class NdjsonLines extends InputStream {
    private final int from;
    private final int count;
    private int next;
    private byte[] line = new byte[0];
    private int position;

    NdjsonLines(int from, int count) {
      this.from = from;
      this.count = count;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      int written = 0;
      while (written < length) {
        if (position == line.length) {
          if (next == count) {
            break;
          }
          line = ("{\"address\":\"" + address(0, from + next++) + "\"}\n").getBytes(StandardCharsets.US_ASCII);
          position = 0;
        }
        int n = Math.min(length - written, line.length - position);
        System.arraycopy(line, position, buffer, offset + written, n);
        position += n;
        written += n;
      }
      return written == 0 && length > 0 ? -1 : written;
    }
  }
}
