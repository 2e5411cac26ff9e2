package com.linqapp.gateway.bench;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Overload driver (issue 5): many closed-loop callers against a gateway running in another process (started by
 * {@code bench/overload.sh}), each sending its next {@code check_imessage} of a new address as soon as the previous
 * one is answered (no think time, as {@code wrk} does). Not a
 * test: it has a {@code main} and is named so neither surefire nor failsafe picks it up.
 *
 * <p>Measures, per answer class (200, 503/9001 shed, anything else), counts and latency percentiles as the caller
 * sees them; checks that every 503 carries {@code Retry-After}; samples the gateway's {@code gateway_queue_depth}
 * (both lanes summed) and {@code linq_in_flight} from {@code /metrics} (its own client, so not queued behind the
 * callers' connections) and the gateway process's VmRSS / VmHWM from {@code /proc/<pid>/status} every 0.5 s. After
 * the run time no new request is sent and every outstanding one is awaited (the answers to accepted checks must all
 * arrive). Prints a Markdown table.
 *
 * <p>Requests started during the first {@code --warmup} seconds (connections opening, JIT) are answered but not
 * counted. With {@code --honour-retry-after} a shed caller waits the 503's {@code Retry-After} before its next request
 * (well-behaved clients) instead of retrying at once.
 *
 * <p>Args: {@code --url http://127.0.0.1:PORT --pid GATEWAY_PID --callers N --seconds S --queue Q --concurrency C
 * [--warmup S] [--honour-retry-after]}.
 */
public final class OverloadBenchmark {

  static final String ROUTE = "/api/partner/v3/capability/check_imessage";

  /** Growable array of longs (latencies in ns), owned by one context. */
  static final class Longs {
    long[] values = new long[1024];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    void addAll(Longs other) {
      for (int i = 0; i < other.size; i++) {
        add(other.values[i]);
      }
    }

    long[] sorted() {
      long[] s = Arrays.copyOf(values, size);
      Arrays.sort(s);
      return s;
    }
  }

  /** One context's share of the callers and of the results. */
  static final class Lane {
    final Longs accepted = new Longs();
    final Longs shed = new Longs();
    final Longs other = new Longs();
    final Map<String, Long> statuses = new TreeMap<>();
    long shedWithoutRetryAfter;
    long failures;
    String firstFailure;
    int outstanding;
    Promise<Void> drained = Promise.promise();
  }

  private final WebClient web;
  private final WebClient metricsWeb;
  private final String host;
  private final int port;
  private final AtomicLong addresses = new AtomicLong();
  private final Vertx vertx;
  private final boolean honourRetryAfter;
  private volatile boolean stopping;
  /** Requests started before this (nanoTime) are the warm-up: answered, but not counted. */
  private volatile long measureFrom = Long.MAX_VALUE;

  OverloadBenchmark(Vertx vertx, String host, int port, int callers, boolean honourRetryAfter) {
    this.vertx = vertx;
    this.honourRetryAfter = honourRetryAfter;
    this.host = host;
    this.port = port;
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000)
        .setIdleTimeout(120).setIdleTimeoutUnit(TimeUnit.SECONDS), new PoolOptions().setHttp1MaxSize(callers)
        .setMaxWaitQueueSize(-1));
    this.metricsWeb = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true), new PoolOptions()
        .setHttp1MaxSize(1));
  }

  private void call(Lane lane) {
    if (stopping) {
      if (--lane.outstanding == 0) {
        lane.drained.tryComplete();
      }
      return;
    }
    String address = "+1" + (5_000_000_000L + addresses.getAndIncrement());
    long start = System.nanoTime();
    web.post(port, host, ROUTE).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"address\":\"" + address + "\"}"))
        .onComplete(done -> {
          long latency = System.nanoTime() - start;
          long retryAfterMs = 0;
          if (start < measureFrom) {
            if (done.succeeded() && done.result().statusCode() == 503 && honourRetryAfter) {
              retryAfterMs = retryAfterMillis(done.result());
            }
            next(lane, retryAfterMs);
            return;
          }
          if (done.succeeded()) {
            HttpResponse<Buffer> response = done.result();
            int status = response.statusCode();
            String code = "";
            if (status != 200) {
              String body = response.bodyAsString();
              int at = body == null ? -1 : body.indexOf("\"code\":");
              if (at >= 0) {
                int end = at + 7;
                while (end < body.length() && Character.isDigit(body.charAt(end))) {
                  end++;
                }
                code = "/" + body.substring(at + 7, end);
              }
            }
            lane.statuses.merge(status + code, 1L, Long::sum);
            if (status == 200) {
              lane.accepted.add(latency);
            } else if (status == 503 && code.equals("/9001")) {
              lane.shed.add(latency);
              if (response.getHeader("Retry-After") == null) {
                lane.shedWithoutRetryAfter++;
              }
              if (honourRetryAfter) {
                retryAfterMs = retryAfterMillis(response);
              }
            } else {
              lane.other.add(latency);
            }
          } else {
            lane.failures++;
            if (lane.firstFailure == null) {
              lane.firstFailure = done.cause().toString();
            }
          }
          next(lane, retryAfterMs);
        });
  }

  private void next(Lane lane, long delayMs) {
    if (delayMs > 0 && !stopping) {
      vertx.setTimer(delayMs, t -> call(lane));
    } else {
      call(lane);
    }
  }

  static long retryAfterMillis(HttpResponse<Buffer> response) {
    String value = response.getHeader("Retry-After");
    try {
      return value == null ? 0 : Math.max(0, Long.parseLong(value.trim())) * 1000L;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Sum of the {@code name} gauge's samples in a Prometheus text body (NaN when absent). */
  static double gauge(String body, String name) {
    double sum = Double.NaN;
    for (String line : body.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        sum = Double.isNaN(sum) ? v : sum + v;
      }
    }
    return sum;
  }

  static long procStatusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  static String ms(double v) {
    if (Double.isNaN(v)) {
      return "—";
    }
    return v < 10 ? String.format(Locale.ROOT, "%.2f ms", v) : String.format(Locale.ROOT, "%.0f ms", v);
  }

  public static void main(String[] args) throws Exception {
    String url = "http://127.0.0.1:8080";
    long pid = -1;
    int callers = 1040;
    int seconds = 40;
    int queue = 100;
    int concurrency = 4;
    int warmup = 5;
    boolean honour = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--url" -> url = args[++i];
        case "--pid" -> pid = Long.parseLong(args[++i]);
        case "--callers" -> callers = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--queue" -> queue = Integer.parseInt(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--honour-retry-after" -> honour = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    java.net.URI uri = java.net.URI.create(url);
    Vertx vertx = Vertx.vertx();
    OverloadBenchmark bench = new OverloadBenchmark(vertx, uri.getHost(), uri.getPort(), callers, honour);

    // Samplers: queue depth, in flight, RSS, every 0.5 s, on their own context.
    List<double[]> samples = new ArrayList<>(); // {t s, queue depth, in flight, rss kB}
    long t0 = System.nanoTime();
    long gatewayPid = pid;
    long rssBefore = procStatusKb(pid, "VmRSS");
    long sampler = vertx.setPeriodic(1, 500, id -> {
      double t = (System.nanoTime() - t0) / 1e9;
      long rss = procStatusKb(gatewayPid, "VmRSS");
      bench.metricsWeb.get(uri.getPort(), uri.getHost(), "/metrics").send().onComplete(r -> {
        double depth = Double.NaN;
        double inFlight = Double.NaN;
        if (r.succeeded() && r.result().statusCode() == 200) {
          String body = r.result().bodyAsString();
          depth = gauge(body, "gateway_queue_depth");
          inFlight = gauge(body, "linq_in_flight");
        }
        synchronized (samples) {
          samples.add(new double[] {t, depth, inFlight, rss});
        }
      });
    });

    // Callers, split over two contexts (event loops) so the client is not one thread.
    int contexts = 2;
    Lane[] lanes = new Lane[contexts];
    CountDownLatch started = new CountDownLatch(contexts);
    for (int c = 0; c < contexts; c++) {
      Lane lane = new Lane();
      lanes[c] = lane;
      int share = callers / contexts + (c < callers % contexts ? 1 : 0);
      Context context = vertx.getOrCreateContext();
      context.runOnContext(v -> {
        lane.outstanding = share;
        for (int i = 0; i < share; i++) {
          bench.call(lane);
        }
        started.countDown();
      });
    }
    started.await();
    Thread.sleep(warmup * 1000L);
    long runStart = System.nanoTime();
    bench.measureFrom = runStart;
    Thread.sleep(seconds * 1000L);
    bench.stopping = true;
    long stopAt = System.nanoTime();
    for (Lane lane : lanes) {
      lane.drained.future().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
    double drainSeconds = (System.nanoTime() - stopAt) / 1e9;
    double runSeconds = (stopAt - runStart) / 1e9;
    Thread.sleep(600); // a last sample after the drain
    vertx.cancelTimer(sampler);
    long hwm = procStatusKb(pid, "VmHWM");
    long rssAfter = procStatusKb(pid, "VmRSS");

    Lane all = new Lane();
    for (Lane lane : lanes) {
      all.accepted.addAll(lane.accepted);
      all.shed.addAll(lane.shed);
      all.other.addAll(lane.other);
      lane.statuses.forEach((k, v) -> all.statuses.merge(k, v, Long::sum));
      all.shedWithoutRetryAfter += lane.shedWithoutRetryAfter;
      all.failures += lane.failures;
      if (all.firstFailure == null) {
        all.firstFailure = lane.firstFailure;
      }
    }
    long total = all.accepted.size + all.shed.size + all.other.size + all.failures;
    long[] acc = all.accepted.sorted();
    long[] shed = all.shed.sorted();
    double maxDepth = 0;
    double maxInFlight = 0;
    double peakRssKb = 0;
    double firstHalfPeak = 0;
    double secondHalfPeak = 0;
    int depthSamples = 0;
    double half = (runStart - t0) / 1e9 + runSeconds / 2;
    synchronized (samples) {
      for (double[] s : samples) {
        if (!Double.isNaN(s[1])) {
          depthSamples++;
          maxDepth = Math.max(maxDepth, s[1]);
        }
        if (!Double.isNaN(s[2])) {
          maxInFlight = Math.max(maxInFlight, s[2]);
        }
        peakRssKb = Math.max(peakRssKb, s[3]);
        if (s[0] < half) {
          firstHalfPeak = Math.max(firstHalfPeak, s[3]);
        } else {
          secondHalfPeak = Math.max(secondHalfPeak, s[3]);
        }
      }
    }
    double shedShare = total == 0 ? 0 : 100.0 * all.shed.size / total;
    StringBuilder md = new StringBuilder();
    md.append("| metric | value | target | met |\n|---|---:|---|---|\n");
    md.append(String.format(Locale.ROOT, "| callers (closed loop, %s) / measured run | %d / %.1f s after a %d s warm-up "
        + "(+ %.1f s to drain) | 10 × (queue %d + concurrency %d) = %d | |%n",
        honour ? "a shed caller waits its Retry-After" : "no think time, a shed caller retries at once", callers,
        runSeconds, warmup, drainSeconds, queue, concurrency, 10 * (queue + concurrency)));
    md.append(String.format(Locale.ROOT, "| requests answered | %d (%.0f/s) | | |%n", total - all.failures,
        (total - all.failures) / runSeconds));
    md.append(String.format(Locale.ROOT, "| answers by status/code | %s | | |%n", all.statuses));
    md.append(String.format(Locale.ROOT, "| **shed** (503/9001) share | %.2f%% (%d) | the excess | |%n", shedShare,
        all.shed.size));
    md.append(String.format(Locale.ROOT, "| shed latency p50 / p99 / max | %s / %s / %s | quick | |%n",
        ms(pct(shed, 0.5)), ms(pct(shed, 0.99)), ms(pct(shed, 1.0))));
    md.append(String.format(Locale.ROOT, "| 503s without `Retry-After` | %d | 0 | %s |%n", all.shedWithoutRetryAfter,
        all.shedWithoutRetryAfter == 0 ? "yes" : "**no**"));
    md.append(String.format(Locale.ROOT, "| **accepted** (200) | %d (%.1f/s) | | |%n", all.accepted.size,
        all.accepted.size / runSeconds));
    md.append(String.format(Locale.ROOT, "| accepted latency p50 / p99 / max | %s / %s / %s | | |%n",
        ms(pct(acc, 0.5)), ms(pct(acc, 0.99)), ms(pct(acc, 1.0))));
    md.append(String.format(Locale.ROOT, "| other answers (not 200, not 503/9001) / transport failures | %d / %d%s | 0 / 0 "
        + "(accepted checks all complete) | %s |%n", all.other.size, all.failures,
        all.firstFailure == null ? "" : " (first: " + all.firstFailure.replace('|', '/') + ")",
        all.other.size == 0 && all.failures == 0 ? "yes" : "**no**"));
    md.append(String.format(Locale.ROOT, "| `gateway_queue_depth` max (%d samples, every 0.5 s) | %.0f | ≤ %d | %s |%n",
        depthSamples, maxDepth, queue, maxDepth <= queue ? "yes" : "**no**"));
    md.append(String.format(Locale.ROOT, "| `linq_in_flight` max | %.0f | ≤ %d | %s |%n", maxInFlight, concurrency,
        maxInFlight <= concurrency ? "yes" : "**no**"));
    md.append(String.format(Locale.ROOT, "| gateway RSS before / peak of samples (1st half, 2nd half) / after / VmHWM | "
        + "%d / %.0f (%.0f, %.0f) / %d / %d MB | bounded (≤ 400 MB) | %s |%n", rssBefore / 1024, peakRssKb / 1024,
        firstHalfPeak / 1024, secondHalfPeak / 1024, rssAfter / 1024, hwm / 1024, hwm <= 400 * 1024 ? "yes" : "**no**"));
    System.out.print(md);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
