package com.linqapp.gateway.bench;

import static com.linqapp.gateway.support.Await.await;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.RateLimitScope;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Quota benchmark: the real gateway ({@link Gateway#serve}) in front of the real {@link LinqSimulator}, in-process,
 * driven over its Linq-compatible HTTP route by many concurrent callers (a Vert.x WebClient). Not a test: it has a
 * {@code main} and is named so neither surefire nor failsafe picks it up. Run it with {@code bench/run.sh}; see
 * {@code bench/README.md} for the cases, the metrics and the targets.
 *
 * <p>Flags: {@code --quick} (a fifth of the work, for a smoke run), {@code --case NAME} (repeatable, or
 * comma-separated; default every case), {@code --cap-factor X} (stop a case after {@code X * ideal + 5 s}, default 2),
 * {@code --out FILE} (default {@code bench/results-<date>[-quick].md}), {@code --list}.
 */
public final class QuotaBenchmark {

  static final String ROUTE = "/api/partner/v3/capability/check_imessage";
  static final String KEY_A = "key-a";
  static final String KEY_B = "key-b";
  static final String TIMEOUT_MS = "120000";
  /** Simulated upstream latency: 15 ms + uniform [0, 10] ms, i.e. 20 ms +- 5. */
  static final long LATENCY_MS = 15;
  static final long JITTER_MS = 10;
  static final int BULK_CALLERS = 256;

  static final List<String> CASES = List.of("known", "unknown-bucket", "unknown-window", "zipf", "lines", "two-clients",
      "interactive");

  private final boolean quick;
  private final double capFactor;
  private final Vertx clientVertx;
  private final WebClient web;

  QuotaBenchmark(boolean quick, double capFactor) {
    this.quick = quick;
    this.capFactor = capFactor;
    this.clientVertx = Vertx.vertx();
    this.web = WebClient.create(clientVertx, new WebClientOptions().setKeepAlive(true).setDefaultHost("127.0.0.1")
        .setConnectTimeout(5_000), new PoolOptions().setHttp1MaxSize(BULK_CALLERS + 64));
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    double capFactor = 2.0;
    String out = null;
    List<String> selected = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--case" -> selected.addAll(Arrays.asList(args[++i].split(",")));
        case "--cap-factor" -> capFactor = Double.parseDouble(args[++i]);
        case "--out" -> out = args[++i];
        case "--list" -> {
          System.out.println(String.join("\n", CASES));
          return;
        }
        case "-h", "--help" -> {
          System.out.println("usage: bench/run.sh [--quick] [--case NAME[,NAME]]... [--cap-factor X] [--out FILE]"
              + "\ncases: " + String.join(", ", CASES));
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument: " + args[i] + " (try --help)");
      }
    }
    for (String name : selected) {
      if (!CASES.contains(name)) {
        throw new IllegalArgumentException("unknown case: " + name + " (cases: " + String.join(", ", CASES) + ")");
      }
    }
    if (selected.isEmpty()) {
      selected.addAll(CASES);
    }
    QuotaBenchmark bench = new QuotaBenchmark(quick, capFactor);
    bench.loadAtStart = loadAverage();
    List<Result> results = new ArrayList<>();
    long started = System.nanoTime();
    try {
      bench.warmUp();
      for (String name : selected) {
        System.err.printf("== %s ...%n", name);
        Result r = bench.run(name);
        System.err.printf("   %s%n", r.summary());
        results.add(r);
      }
    } finally {
      bench.close();
    }
    String report = bench.report(results, (System.nanoTime() - started) / 1e9);
    System.out.println(report);
    Path file = Path.of(out != null ? out
        : "bench/results-" + LocalDate.now(ZoneOffset.UTC) + (quick ? "-quick" : "") + ".md");
    Files.writeString(file, report, StandardCharsets.UTF_8);
    System.err.println("written to " + file);
    System.exit(0);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cases

  Result run(String name) throws Exception {
    return switch (name) {
      case "known" -> tokenBucket("known", "known limit (token bucket)", true);
      case "unknown-bucket" -> tokenBucket("unknown-bucket", "unknown limit, token bucket", false);
      case "unknown-window" -> unknownWindow();
      case "zipf" -> zipf();
      case "lines" -> lines();
      case "two-clients" -> twoClients();
      case "interactive" -> interactive();
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Seconds of quota work per case: 30 (6 with --quick). */
  double quotaSeconds() {
    return quick ? 6 : 30;
  }

  Result tokenBucket(String id, String title, boolean known) throws Exception {
    double rate = 200;
    int burst = 20;
    int n = (int) (quotaSeconds() * rate) + burst;
    SimulatorOptions sim = simOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(rate)
        .setBurst(burst);
    JsonObject gw = known ? knownLimit(rate, burst, "account") : new JsonObject();
    try (Rig rig = Rig.start(sim, gw)) {
      List<Call> calls = distinct("+1202", n, KEY_A, null, true);
      Ideal ideal = new Ideal(rate, burst);
      Run run = drive(rig, List.of(calls), ideal.seconds(n), null);
      Result r = new Result(id, title, "token bucket " + fmt(rate) + "/s, burst " + burst,
          known ? "known: " + fmt(rate) + "/s, burst " + burst : "unset (learn)", rig, run, ideal, n);
      r.target = known ? Target.KNOWN : Target.UNKNOWN;
      return r;
    }
  }

  Result unknownWindow() throws Exception {
    long windowMs = 5_000;
    int limit = 200;
    double rate = limit * 1000.0 / windowMs;
    int n = (int) (quotaSeconds() * rate) + limit;
    SimulatorOptions sim = simOptions().setRateLimitMode(RateLimitMode.FIXED_WINDOW).setWindowMillis(windowMs)
        .setWindowLimit(limit);
    try (Rig rig = Rig.start(sim, new JsonObject())) {
      List<Call> calls = distinct("+1203", n, KEY_A, null, true);
      Ideal ideal = new Ideal(rate, limit);
      Run run = drive(rig, List.of(calls), ideal.seconds(n), null);
      Result r = new Result("unknown-window", "unknown limit, fixed window",
          "fixed window " + limit + " per " + windowMs / 1000 + " s", "unset (learn)", rig, run, ideal, n);
      r.target = Target.UNKNOWN;
      return r;
    }
  }

  /** Zipf(s = 1) over 100 000 addresses, sampled until enough distinct addresses for the quota work. */
  Result zipf() throws Exception {
    double rate = 200;
    int burst = 20;
    int wantDistinct = (int) (quotaSeconds() * rate) + burst;
    int universe = 100_000;
    double[] cdf = new double[universe];
    double sum = 0;
    for (int k = 0; k < universe; k++) {
      sum += 1.0 / (k + 1);
      cdf[k] = sum;
    }
    Random random = new Random(42);
    Set<Integer> seen = new HashSet<>();
    List<Call> calls = new ArrayList<>();
    while (seen.size() < wantDistinct) {
      double u = random.nextDouble() * sum;
      int k = Arrays.binarySearch(cdf, u);
      k = k >= 0 ? k : -k - 1;
      seen.add(k);
      calls.add(new Call(address("+1415", k), null, KEY_A, true));
    }
    SimulatorOptions sim = simOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(rate)
        .setBurst(burst);
    try (Rig rig = Rig.start(sim, knownLimit(rate, burst, "account"))) {
      Ideal ideal = new Ideal(rate, burst);
      Run run = drive(rig, List.of(calls), ideal.seconds(wantDistinct), null);
      Result r = new Result("zipf", "repeated addresses (Zipf s=1)", "token bucket " + fmt(rate) + "/s, burst " + burst,
          "known: " + fmt(rate) + "/s, burst " + burst, rig, run, ideal, wantDistinct);
      r.target = Target.ZIPF;
      r.note = String.format(Locale.ROOT, "%d requests for %d distinct addresses; Linq answered %d checks for %d "
          + "distinct addresses (answers ÷ distinct %.3f): calls beyond the answers are retries after 429s",
          calls.size(), wantDistinct, r.answered, r.upstreamDistinct, (double) r.answered / r.upstreamDistinct);
      return r;
    }
  }

  /** Three sender lines, each with its own budget (scope line); callers spread their checks over the lines. */
  Result lines() throws Exception {
    double ratePerLine = 100;
    int burstPerLine = 10;
    List<String> lines = SimulatorOptions.DEFAULT_LINES;
    double rate = ratePerLine * lines.size();
    int burst = burstPerLine * lines.size();
    int n = (int) (quotaSeconds() * rate) + burst;
    SimulatorOptions sim = simOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(ratePerLine)
        .setBurst(burstPerLine).setRateLimitScope(RateLimitScope.LINE).setLines(lines);
    try (Rig rig = Rig.start(sim, knownLimit(ratePerLine, burstPerLine, "line"))) {
      List<Call> calls = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        calls.add(new Call(address("+1204", i), lines.get(i % lines.size()), KEY_A, true));
      }
      Ideal ideal = new Ideal(rate, burst);
      Run run = drive(rig, List.of(calls), ideal.seconds(n), null);
      Result r = new Result("lines", "three lines, scope line", "token bucket " + fmt(ratePerLine) + "/s, burst "
          + burstPerLine + " per line, 3 lines", "known: " + fmt(ratePerLine) + "/s, burst " + burstPerLine
          + ", scope line", rig, run, ideal, n);
      r.target = Target.KNOWN;
      r.note = "ideal uses the 3 lines together: " + fmt(rate) + "/s, burst " + burst;
      return r;
    }
  }

  /** A big client (224 callers) and a small one (32 callers), both bulk, starting together. */
  Result twoClients() throws Exception {
    double rate = 200;
    int burst = 20;
    int n = (int) (quotaSeconds() * rate) + burst;
    int small = n / 5;
    int big = n - small;
    SimulatorOptions sim = simOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(rate)
        .setBurst(burst);
    try (Rig rig = Rig.start(sim, knownLimit(rate, burst, "account"))) {
      List<Call> bigCalls = distinct("+1205", big, KEY_A, null, true);
      List<Call> smallCalls = distinct("+1206", small, KEY_B, null, true);
      Ideal ideal = new Ideal(rate, burst);
      Run run = drive(rig, List.of(bigCalls, smallCalls), ideal.seconds(n), new int[] {224, 32});
      Result r = new Result("two-clients", "two clients, unequal size", "token bucket " + fmt(rate) + "/s, burst "
          + burst, "known: " + fmt(rate) + "/s, burst " + burst, rig, run, ideal, n);
      r.target = Target.KNOWN;
      double smallDone = run.lastAnswerSeconds(KEY_B);
      double bigDone = run.lastAnswerSeconds(KEY_A);
      double smallFair = (2.0 * small - burst) / rate;
      int bigAnswered = run.answersByKey.getOrDefault(KEY_A, new AtomicInteger()).get();
      int smallAnswered = run.answersByKey.getOrDefault(KEY_B, new AtomicInteger()).get();
      r.note = String.format(Locale.ROOT, "big client (224 callers): %d of %d answered, last at %.1f s; small client "
              + "(32 callers): %d of %d answered, last at %.1f s%s", bigAnswered, big, bigDone, smallAnswered, small,
          smallDone, smallAnswered == small
              ? String.format(Locale.ROOT, " = %.2f x its fair-share ideal (2 x %d - B) / R = %.1f s",
                  smallDone / smallFair, small, smallFair)
              : " (not finished)");
      return r;
    }
  }

  /** A saturating bulk job, and one interactive check of a new address every 50 ms alongside it. */
  Result interactive() throws Exception {
    double rate = 200;
    int burst = 20;
    int n = (int) (quotaSeconds() * rate) + burst;
    SimulatorOptions sim = simOptions().setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(rate)
        .setBurst(burst);
    try (Rig rig = Rig.start(sim, knownLimit(rate, burst, "account"))) {
      List<Call> bulk = distinct("+1207", n, KEY_A, null, true);
      Ideal ideal = new Ideal(rate, burst);
      ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      AtomicInteger pending = new AtomicInteger();
      long timer = clientVertx.setPeriodic(1_000, 50, t -> {
        Call call = new Call(address("+1208", sent.getAndIncrement()), null, KEY_B, false);
        long t0 = System.nanoTime();
        pending.incrementAndGet();
        send(rig.port, call).onComplete(ar -> {
          pending.decrementAndGet();
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            latencies.add(System.nanoTime() - t0);
          } else {
            failed.incrementAndGet();
          }
        });
      });
      Run run;
      try {
        run = drive(rig, List.of(bulk), ideal.seconds(n + quotaSeconds() * 20), null);
      } finally {
        clientVertx.cancelTimer(timer);
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (pending.get() > 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      int interactiveCount = sent.get();
      Result r = new Result("interactive", "interactive during saturating bulk", "token bucket " + fmt(rate)
          + "/s, burst " + burst, "known: " + fmt(rate) + "/s, burst " + burst, rig, run, ideal,
          n + interactiveCount);
      long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      r.interactiveP50 = percentile(sorted, 0.50) / 1e6;
      r.interactiveP99 = percentile(sorted, 0.99) / 1e6;
      r.interactiveMax = sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
      r.target = Target.INTERACTIVE;
      r.p99Target = (LATENCY_MS + JITTER_MS) + 1000.0 / rate + 5;
      r.note = String.format(Locale.ROOT, "%d interactive checks (1 per 50 ms, distinct addresses), %d failed; "
          + "max %.1f ms; bulk %d checks", interactiveCount, failed.get(), r.interactiveMax, n);
      return r;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Driving load

  record Call(String address, String from, String key, boolean bulk) {
  }

  static String address(String prefix, int i) {
    return prefix + String.format(Locale.ROOT, "%07d", 1_000_000 + i);
  }

  static List<Call> distinct(String prefix, int n, String key, String from, boolean bulk) {
    List<Call> calls = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      calls.add(new Call(address(prefix, i), from, key, bulk));
    }
    return calls;
  }

  Future<HttpResponse<Buffer>> send(int port, Call call) {
    JsonObject body = new JsonObject().put("address", call.address());
    if (call.from() != null) {
      body.put("from", call.from());
    }
    return web.post(port, "127.0.0.1", ROUTE)
        .putHeader("Authorization", "Bearer " + call.key())
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Request-Timeout-Ms", TIMEOUT_MS)
        .putHeader("X-Priority", call.bulk() ? "bulk" : "interactive")
        .sendBuffer(body.toBuffer());
  }

  /** Outcome of driving one or more call lists to completion (or to the cap). */
  static final class Run {
    final long startNanos = System.nanoTime();
    final AtomicLong lastAnswerNanos = new AtomicLong(startNanos);
    final Map<String, AtomicLong> lastAnswerByKey = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> answersByKey = new ConcurrentHashMap<>();
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger issued = new AtomicInteger();
    final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    volatile boolean stopped;
    boolean capped;
    double seconds;
    int total;
    JsonObject simStats;

    double lastAnswerSeconds(String key) {
      AtomicLong t = lastAnswerByKey.get(key);
      return t == null ? Double.NaN : (t.get() - startNanos) / 1e9;
    }

    int errorCount() {
      return errors.values().stream().mapToInt(AtomicInteger::get).sum();
    }
  }

  /**
   * Runs every list with its own pool of concurrent callers (default {@link #BULK_CALLERS} for one list), each
   * caller sending its next call when the previous one is answered. Stops issuing at the cap.
   */
  Run drive(Rig rig, List<List<Call>> lists, double idealSeconds, int[] callersPerList) throws Exception {
    long capNanos = (long) ((capFactor * idealSeconds + 5) * 1e9);
    Run run = new Run();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int l = 0; l < lists.size(); l++) {
      List<Call> calls = lists.get(l);
      run.total += calls.size();
      int callers = callersPerList != null ? callersPerList[l] : BULK_CALLERS;
      AtomicInteger next = new AtomicInteger();
      for (int c = 0; c < callers; c++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        all.add(done);
        clientVertx.runOnContext(v -> caller(rig.port, calls, next, run, done));
      }
    }
    CompletableFuture<Void> everything = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    try {
      everything.get(capNanos, TimeUnit.NANOSECONDS);
      run.seconds = (run.lastAnswerNanos.get() - run.startNanos) / 1e9;
    } catch (TimeoutException capped) {
      run.stopped = true;
      run.capped = true;
      run.seconds = (System.nanoTime() - run.startNanos) / 1e9;
    }
    run.simStats = rig.sim.stats().toJson();
    run.stopped = true;
    return run;
  }

  private void caller(int port, List<Call> calls, AtomicInteger next, Run run, CompletableFuture<Void> done) {
    if (run.stopped) {
      done.complete(null);
      return;
    }
    int i = next.getAndIncrement();
    if (i >= calls.size()) {
      done.complete(null);
      return;
    }
    Call call = calls.get(i);
    run.issued.incrementAndGet();
    send(port, call).onComplete(ar -> {
      if (run.stopped) {
        done.complete(null);
        return;
      }
      long now = System.nanoTime();
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        run.ok.incrementAndGet();
      } else {
        String kind = ar.succeeded() ? errorKind(ar.result()) : ar.cause().getClass().getSimpleName();
        run.errors.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
      }
      run.lastAnswerNanos.accumulateAndGet(now, Math::max);
      run.lastAnswerByKey.computeIfAbsent(call.key(), k -> new AtomicLong()).accumulateAndGet(now, Math::max);
      run.answersByKey.computeIfAbsent(call.key(), k -> new AtomicInteger()).incrementAndGet();
      caller(port, calls, next, run, done);
    });
  }

  private static String errorKind(HttpResponse<Buffer> response) {
    try {
      JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
      return response.statusCode() + "/" + error.getInteger("code");
    } catch (RuntimeException notEnvelope) {
      return String.valueOf(response.statusCode());
    }
  }

  /** A few thousand unpaced checks on a throwaway rig, so the JIT has compiled the paths before the first case. */
  void warmUp() throws Exception {
    System.err.println("== warm-up ...");
    try (Rig rig = Rig.start(new SimulatorOptions().setLatencyMillis(1), new JsonObject())) {
      int n = quick ? 2_000 : 6_000;
      drive(rig, List.of(distinct("+1209", n, KEY_A, null, true)), 60, null);
      List<Call> again = distinct("+1209", n, KEY_A, null, false);
      drive(rig, List.of(again), 60, null);
    }
  }

  static SimulatorOptions simOptions() {
    return new SimulatorOptions().setLatencyMillis(LATENCY_MS).setJitterMillis(JITTER_MS).setSeed(7);
  }

  /**
   * Diagnostic knob, {@code -Dbench.knownRateFactor=0.97}: configure the gateway's known limit as this fraction of
   * the simulator's true limit (default 1, the true limit). The ideal stays that of the true limit.
   */
  static final double KNOWN_RATE_FACTOR = Double.parseDouble(System.getProperty("bench.knownRateFactor", "1"));

  static JsonObject knownLimit(double rate, int burst, String scope) {
    return new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", rate * KNOWN_RATE_FACTOR)
        .put("LINQ_RATE_LIMIT_BURST", burst)
        .put("LINQ_RATE_LIMIT_SCOPE", scope);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Gateway and simulator

  /** A simulator and a gateway on their own Vertx, closed together. */
  static final class Rig implements AutoCloseable {
    final Vertx vertx;
    final LinqSimulator sim;
    final Gateway gateway;
    final int port;
    final JsonObject settings;

    private Rig(Vertx vertx, LinqSimulator sim, Gateway gateway, int port, JsonObject settings) {
      this.vertx = vertx;
      this.sim = sim;
      this.gateway = gateway;
      this.port = port;
      this.settings = settings;
    }

    static Rig start(SimulatorOptions simOptions, JsonObject overrides) throws Exception {
      Vertx vertx = Vertx.vertx();
      LinqSimulator sim = await(LinqSimulator.start(vertx, simOptions));
      int port = Ports.free();
      JsonObject settings = new JsonObject()
          .put("LINQ_API_V3_BASE_URL", sim.baseUrl())
          .put("LINQ_API_V3_API_KEY", sim.apiKey())
          .put("GATEWAY_HTTP_HOST", "127.0.0.1")
          .put("GATEWAY_HTTP_PORT", port)
          .put("GATEWAY_API_KEYS", "team-a=" + KEY_A + ",team-b=" + KEY_B)
          .mergeIn(overrides);
      GatewayConfig config = GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(settings));
      Gateway gateway = await(Gateway.serve(vertx, config));
      return new Rig(vertx, sim, gateway, port, settings);
    }

    @Override
    public void close() throws Exception {
      // A capped case leaves checks queued: drain answers them 503 at once, so nothing is sent on a closed client.
      try {
        gateway.drain(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // closing anyway
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }



  void close() throws Exception {
    web.close();
    clientVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Results

  /** Ideal time for N distinct checks at R/s with burst B: (N - B) / R. */
  record Ideal(double rate, int burst) {
    double seconds(double n) {
      return Math.max(0, n - burst) / rate;
    }
  }

  enum Target { KNOWN, UNKNOWN, ZIPF, INTERACTIVE }

  static final class Result {
    final String id;
    final String title;
    final String upstream;
    final String gatewayLimit;
    final Run run;
    final Ideal ideal;
    final int distinct;
    final double idealSeconds;
    final double timeRatio;
    final long upstreamCalls;
    final long upstreamDistinct;
    final long answered;
    final long r429;
    Target target;
    String note = "";
    double interactiveP50 = Double.NaN;
    double interactiveP99 = Double.NaN;
    double interactiveMax = Double.NaN;
    double p99Target = Double.NaN;

    Result(String id, String title, String upstream, String gatewayLimit, Rig rig, Run run, Ideal ideal,
        int distinct) {
      this.id = id;
      this.title = title;
      this.upstream = upstream;
      this.gatewayLimit = gatewayLimit;
      this.run = run;
      this.ideal = ideal;
      this.distinct = distinct;
      JsonObject s = run.simStats;
      upstreamCalls = s.getLong("checkRequests");
      upstreamDistinct = s.getLong("distinctAddresses");
      answered = s.getLong("answered");
      r429 = s.getLong("rateLimited429");
      idealSeconds = ideal.seconds(distinct);
      // Capped: compare the time spent with the ideal time of the quota work actually done.
      double idealForWork = run.capped ? ideal.seconds(answered) : idealSeconds;
      timeRatio = run.seconds / idealForWork;
    }

    double share429() {
      return upstreamCalls == 0 ? 0 : (double) r429 / upstreamCalls;
    }

    double upstreamPerDistinct() {
      return upstreamDistinct == 0 ? Double.NaN : (double) upstreamCalls / upstreamDistinct;
    }

    String targetText() {
      return switch (target) {
        case KNOWN -> "time/ideal <= 1.05, 429s <= 0.5%";
        case UNKNOWN -> "time/ideal <= 1.15, 429s <= 3%";
        case ZIPF -> "upstream calls = distinct addresses";
        case INTERACTIVE -> String.format(Locale.ROOT, "interactive p99 <= %.0f ms (upstream %d ms + 1/R + 5 ms)",
            p99Target, LATENCY_MS + JITTER_MS);
      };
    }

    boolean met() {
      boolean complete = !run.capped && run.errorCount() == 0;
      return complete && switch (target) {
        case KNOWN -> timeRatio <= 1.05 && share429() <= 0.005;
        case UNKNOWN -> timeRatio <= 1.15 && share429() <= 0.03;
        case ZIPF -> upstreamCalls == upstreamDistinct;
        case INTERACTIVE -> interactiveP99 <= p99Target;
      };
    }

    String summary() {
      return String.format(Locale.ROOT, "%.1f s (ideal %.1f s, x%.2f%s), upstream %d calls / %d distinct, %d 429s "
              + "(%.2f%%), callers: %d ok, %d errors %s%s%s",
          run.seconds, idealSeconds, timeRatio, run.capped ? ", CAPPED" : "", upstreamCalls, upstreamDistinct, r429,
          100 * share429(), run.ok.get(), run.errorCount(), new TreeMap<>(run.errors),
          Double.isNaN(interactiveP99) ? "" : String.format(Locale.ROOT, ", interactive p50 %.1f ms p99 %.1f ms",
              interactiveP50, interactiveP99), note.isEmpty() ? "" : "; " + note);
    }
  }

  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return -1;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
  }

  String loadAtStart = "unknown";

  /** The 1-minute load average: other work on the machine adds jitter to every pacing decision. */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  String report(List<Result> results, double totalSeconds) {
    StringBuilder b = new StringBuilder();
    b.append("# Quota benchmark results").append(quick ? " (--quick)" : "").append("\n\n");
    b.append("Run ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append(" in ").append(String.format(Locale.ROOT, "%.0f s", totalSeconds)).append(" on ").append(machine())
        .append("; 1-minute load average ").append(loadAtStart).append(" at the start, ").append(loadAverage())
        .append(" at the end.\n\n");
    b.append(String.format(Locale.ROOT, "Upstream: `LinqSimulator`, latency %d ms + uniform [0, %d] ms; %d concurrent "
        + "bulk callers per job; `X-Request-Timeout-Ms: %s`; each case capped at %.1f x ideal + 5 s; ideal = (N - B) / R "
        + "for N distinct checks.\n\n", LATENCY_MS, JITTER_MS, BULK_CALLERS, TIMEOUT_MS, capFactor));
    b.append("| case | upstream limit | gateway limit | distinct checks | time | ideal | time ÷ ideal | "
        + "upstream calls ÷ distinct | 429 share | interactive p50 / p99 | caller errors | target | met |\n");
    b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (Result r : results) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.1f s%s | %.1f s | %.2f%s | %.3f (%d / %d) | %.2f%% "
              + "(%d) | %s | %s | %s | %s |\n",
          r.title, r.upstream, r.gatewayLimit, r.distinct, r.run.seconds, r.run.capped ? " (capped)" : "",
          r.idealSeconds, r.timeRatio, r.run.capped ? " (est.)" : "", r.upstreamPerDistinct(), r.upstreamCalls,
          r.upstreamDistinct, 100 * r.share429(), r.r429,
          Double.isNaN(r.interactiveP99) ? "—" : String.format(Locale.ROOT, "%.1f / %.1f ms", r.interactiveP50,
              r.interactiveP99),
          r.run.errorCount() == 0 ? "0" : r.run.errorCount() + " " + new TreeMap<>(r.run.errors),
          r.targetText(), r.met() ? "yes" : "**no**"));
    }
    b.append("\nNotes:\n\n");
    for (Result r : results) {
      List<String> notes = new ArrayList<>();
      if (!r.note.isEmpty()) {
        notes.add(r.note);
      }
      if (r.run.capped) {
        notes.add(String.format(Locale.ROOT, "stopped at the cap after %d of %d checks answered upstream; "
            + "time ÷ ideal estimated as elapsed ÷ ideal time of the answered checks ((%d - B) / R = %.1f s)",
            r.answered, r.distinct, r.answered, r.ideal.seconds(r.answered)));
      }
      if (!notes.isEmpty()) {
        b.append("- **").append(r.id).append("**: ").append(String.join("; ", notes)).append("\n");
      }
    }
    return b.toString();
  }

  static String machine() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      m.put("cpu", "unknown");
    }
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    return b.toString();
  }
}
