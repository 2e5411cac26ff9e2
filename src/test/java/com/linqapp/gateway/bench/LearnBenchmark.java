package com.linqapp.gateway.bench;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 11's benchmark driver: one run of one shape against a gateway jar and a simulator jar running as their own
 * processes (started by {@code bench/learn.sh}, the limit never configured). Not a test: it has a {@code main} and is
 * named so neither surefire nor failsafe picks it up.
 *
 * <p>A run: {@code --callers} closed-loop callers send {@code --checks} distinct {@code check_imessage} checks
 * ({@code X-Request-Timeout-Ms} from {@code --timeout-ms}, bulk priority), each its next as soon as the previous is
 * answered. Time runs from the first request to the last answer; the ratio is that over {@code --ideal} seconds. The
 * 429 share and the requests sent inside a pause are the simulator's counters ({@code GET /_sim/stats}). With
 * {@code --drop-rise}, the simulator's limit is changed at 40 s and 80 s ({@code POST /_sim/rate-limit}), the run
 * stops sending at 120 s, and the admitted rate is measured from the answers' arrival times over [50 s, 55 s) and
 * [110 s, 115 s). Prints one tab-separated line: {@code shape run ratio share429 insidePause errors afterDrop
 * afterRise}.
 *
 * <p>{@code --report FILE} reads such lines and prints each shape's runs, median and worst as Markdown.
 */
public final class LearnBenchmark {

  static final String ROUTE = "/api/partner/v3/capability/check_imessage";

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String key = args[i].substring(2);
      boolean flag = i + 1 == args.length || args[i + 1].startsWith("--");
      opts.put(key, flag ? "true" : args[++i]);
    }
    if (opts.containsKey("report")) {
      System.out.print(report(Files.readAllLines(Path.of(opts.get("report")))));
      return;
    }
    System.out.println(new LearnBenchmark(opts).run());
    System.exit(0);
  }

  private final String shape;
  private final String run;
  private final String gateway;
  private final String simulator;
  private final int checks;
  private final int callers;
  private final double idealSeconds;
  private final String timeoutMillis;
  private final String prefix;
  private final boolean dropRise;
  private final boolean timeline;
  private final int warmup;
  private final int simWarmup;
  private final Vertx vertx = Vertx.vertx();
  private final WebClient web;

  LearnBenchmark(Map<String, String> opts) {
    shape = opts.get("shape");
    run = opts.getOrDefault("run", "1");
    gateway = opts.get("gateway");
    simulator = opts.get("sim");
    checks = Integer.parseInt(opts.get("checks"));
    callers = Integer.parseInt(opts.getOrDefault("callers", "256"));
    idealSeconds = Double.parseDouble(opts.getOrDefault("ideal", "0"));
    timeoutMillis = opts.getOrDefault("timeout-ms", "300000");
    prefix = opts.getOrDefault("prefix", "+1205");
    dropRise = opts.containsKey("drop-rise");
    timeline = opts.containsKey("timeline");
    warmup = Integer.parseInt(opts.getOrDefault("warmup", "0"));
    simWarmup = Integer.parseInt(opts.getOrDefault("sim-warmup", "0"));
    web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(5_000),
        new PoolOptions().setHttp1MaxSize(callers + 8));
  }

  String run() throws Exception {
    List<Long> answeredAt = new ArrayList<>(checks);
    ConcurrentLinkedQueue<Long> okAt = new ConcurrentLinkedQueue<>();
    Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    warmUpSimulator();
    warmUp();
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    long stopAt = dropRise ? start + TimeUnit.SECONDS.toNanos(120) : Long.MAX_VALUE;
    CountDownLatch done = new CountDownLatch(callers);
    for (int c = 0; c < callers; c++) {
      vertx.runOnContext(v -> caller(next, stopAt, okAt, errors, done));
    }
    if (dropRise) {
      vertx.setTimer(40_000, t -> retune(100));
      vertx.setTimer(80_000, t -> retune(200));
    }
    done.await(2, TimeUnit.HOURS);
    long last = okAt.stream().mapToLong(Long::longValue).max().orElse(start);
    answeredAt.addAll(okAt);
    JsonObject stats = await(web.getAbs(simulator + "/_sim/stats").send()).bodyAsJsonObject();
    double seconds = (last - start) / 1e9;
    long calls = stats.getLong("checkRequests");
    double share429 = calls == 0 ? 0 : (double) stats.getLong("rateLimited429") / calls;
    String afterDrop = dropRise ? String.format(Locale.ROOT, "%.3f", rate(answeredAt, start, 50, 55) / 100) : "-";
    String afterRise = dropRise ? String.format(Locale.ROOT, "%.3f", rate(answeredAt, start, 110, 115) / 200) : "-";
    if (timeline) {
      System.err.println(shape + " run " + run + ", checks answered per 500 ms: " + timeline(answeredAt, start, last));
    }
    int errorCount = errors.values().stream().mapToInt(AtomicInteger::get).sum();
    return String.join("\t", shape, run, dropRise ? "-" : String.format(Locale.ROOT, "%.3f", seconds / idealSeconds),
        String.format(Locale.ROOT, "%.4f", share429), String.valueOf(stats.getLong("requestsInsidePause")),
        errorCount == 0 ? "0" : errorCount + " " + new TreeMap<>(errors), afterDrop, afterRise);
  }

  /**
   * {@code --warmup N}: N checks of one address before the timed run, from every caller, so that the three JVMs' JIT
   * and the callers' connections are warm. The first costs one Linq call (Linq's bucket refills it in the second
   * waited after); the others are answered from the gateway's cache, so nothing about the limit is learnt.
   */
  private void warmUp() throws Exception {
    if (warmup == 0) {
      return;
    }
    Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(callers);
    AtomicInteger next = new AtomicInteger();
    for (int c = 0; c < callers; c++) {
      vertx.runOnContext(v -> warmUpCaller(next, errors, done));
    }
    done.await(5, TimeUnit.MINUTES);
    if (!errors.isEmpty()) {
      throw new IllegalStateException("warm-up failed: " + errors);
    }
    Thread.sleep(1_000);
  }

  /**
   * {@code --sim-warmup N}: N checks of new addresses straight to the simulator (the gateway never sees them), so that
   * its JVM answers as a warm service does. Cold, it decided the opening's requests 150-185 ms after they left the
   * gateway (0.3 ms at the median later on), which no real Linq does. 429s are expected; then the simulator's
   * buckets refill and its pauses end, and its counters are zeroed.
   */
  private void warmUpSimulator() throws Exception {
    if (simWarmup == 0) {
      return;
    }
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(callers);
    for (int c = 0; c < callers; c++) {
      vertx.runOnContext(v -> simWarmUpCaller(next, done));
    }
    done.await(5, TimeUnit.MINUTES);
    JsonObject limit = await(web.getAbs(simulator + "/_sim/rate-limit").send()).bodyAsJsonObject();
    String mode = limit.getString("rateLimitMode");
    double refillSeconds = mode.equals("none") ? 0 : mode.equals("fixed-window") ? limit.getLong("windowMillis") / 1000.0
        : limit.getDouble("burst") / Math.max(0.001, limit.getDouble("ratePerSecond"));
    Thread.sleep((long) (1000 * (Math.min(refillSeconds, 60) + 2)));
    await(web.postAbs(simulator + "/_sim/reset").send());
  }

  private void simWarmUpCaller(AtomicInteger next, CountDownLatch done) {
    int i = next.getAndIncrement();
    if (i >= simWarmup) {
      done.countDown();
      return;
    }
    web.postAbs(simulator + "/api/partner/v3/capability/check_imessage").putHeader("Authorization", "Bearer sim-key")
        .sendJsonObject(new JsonObject().put("address", String.format(Locale.ROOT, "+1999%07d", i)))
        .onComplete(answer -> simWarmUpCaller(next, done));
  }

  private void warmUpCaller(AtomicInteger next, Map<String, AtomicInteger> errors, CountDownLatch done) {
    if (next.getAndIncrement() >= warmup) {
      done.countDown();
      return;
    }
    check("+19995550100").onComplete(answer -> {
      if (answer.failed() || answer.result().statusCode() != 200) {
        errors.computeIfAbsent(errorKind(answer), k -> new AtomicInteger()).incrementAndGet();
      }
      warmUpCaller(next, errors, done);
    });
  }

  /** Checks answered in each 500 ms from the start to the last answer: where a run lost its time. */
  private static String timeline(List<Long> answeredAt, long start, long last) {
    int[] counts = new int[(int) ((last - start) / 500_000_000L) + 1];
    answeredAt.forEach(t -> counts[(int) ((t - start) / 500_000_000L)]++);
    return Arrays.toString(counts);
  }

  /** Checks answered per second in [from, to) seconds after the start. */
  private static double rate(List<Long> answeredAt, long start, int from, int to) {
    long count = answeredAt.stream().filter(t -> t - start >= from * 1_000_000_000L && t - start < to * 1_000_000_000L)
        .count();
    return count / (double) (to - from);
  }

  private void retune(double ratePerSecond) {
    web.postAbs(simulator + "/_sim/rate-limit").sendJsonObject(new JsonObject().put("ratePerSecond", ratePerSecond))
        .onFailure(Throwable::printStackTrace);
  }

  private void caller(AtomicInteger next, long stopAt, ConcurrentLinkedQueue<Long> okAt,
      Map<String, AtomicInteger> errors, CountDownLatch done) {
    int i = next.getAndIncrement();
    if (i >= checks || System.nanoTime() >= stopAt) {
      done.countDown();
      return;
    }
    String address = prefix + String.format(Locale.ROOT, "%07d", 1_000_000 + i);
    check(address).onComplete(answer -> {
      if (answer.succeeded() && answer.result().statusCode() == 200) {
        okAt.add(System.nanoTime());
      } else {
        errors.computeIfAbsent(errorKind(answer), k -> new AtomicInteger()).incrementAndGet();
      }
      caller(next, stopAt, okAt, errors, done);
    });
  }

  private Future<HttpResponse<Buffer>> check(String address) {
    return web.postAbs(gateway + ROUTE).putHeader("Content-Type", "application/json")
        .putHeader("X-Request-Timeout-Ms", timeoutMillis).putHeader("X-Priority", "bulk")
        .sendJsonObject(new JsonObject().put("address", address));
  }

  private static String errorKind(AsyncResult<HttpResponse<Buffer>> answer) {
    return answer.succeeded() ? errorKind(answer.result()) : answer.cause().getClass().getSimpleName();
  }

  private static String errorKind(HttpResponse<Buffer> response) {
    try {
      return response.statusCode() + "/" + response.bodyAsJsonObject().getJsonObject("error").getInteger("code");
    } catch (RuntimeException notEnvelope) {
      return String.valueOf(response.statusCode());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Every shape's runs, median and worst, as Markdown (lines as {@link #run()} prints them). */
  static String report(List<String> lines) {
    Map<String, List<String[]>> byShape = new LinkedHashMap<>();
    for (String line : lines) {
      if (!line.isBlank()) {
        String[] fields = line.split("\t", -1);
        byShape.computeIfAbsent(fields[0], k -> new ArrayList<>()).add(fields);
      }
    }
    StringBuilder b = new StringBuilder("| shape | runs: time ÷ ideal | median | worst | runs: 429 share | median "
        + "429 share | inside a pause | caller errors |\n|---|---|---:|---:|---|---:|---:|---|\n");
    for (Map.Entry<String, List<String[]>> shape : byShape.entrySet()) {
      List<String[]> runs = shape.getValue();
      boolean dropRise = runs.get(0)[2].equals("-");
      int column = dropRise ? 6 : 2;
      String ratios = dropRise ? join(runs, 6) + " / " + join(runs, 7) : join(runs, column);
      String median = dropRise ? median(runs, 6, false) + " / " + median(runs, 7, false) : median(runs, column, false);
      String worst = dropRise ? median(runs, 6, true) + " / " + median(runs, 7, true) : median(runs, column, true);
      long inside = runs.stream().mapToLong(r -> Long.parseLong(r[4])).sum();
      String errors = String.join("; ", runs.stream().map(r -> r[5]).filter(e -> !e.equals("0")).toList());
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %d | %s |\n", shape.getKey(), ratios,
          median, worst, percents(runs), percent(quantile(runs, 3, 0.5)), inside, errors.isEmpty() ? "0" : errors));
    }
    return b.toString();
  }

  private static String join(List<String[]> runs, int column) {
    return String.join(", ", runs.stream().map(r -> r[column]).toList());
  }

  /** The median, or the worst: the highest ratio, or for drop-rise fractions (higher is better) the lowest. */
  private static String median(List<String[]> runs, int column, boolean worst) {
    boolean higherIsBetter = column >= 6;
    double value = worst ? quantile(runs, column, higherIsBetter ? 0 : 1) : quantile(runs, column, 0.5);
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static double quantile(List<String[]> runs, int column, double q) {
    double[] values = runs.stream().mapToDouble(r -> Double.parseDouble(r[column])).sorted().toArray();
    return values[(int) Math.round(q * (values.length - 1))];
  }

  private static String percents(List<String[]> runs) {
    return String.join(", ", runs.stream().map(r -> percent(Double.parseDouble(r[3]))).toList());
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.2f %%", 100 * share);
  }
}
