package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ten times more concurrent callers than the gateway holds (4 in flight + 20 queued = 24; 240 callers) against
 * a Linq that takes 200 ms per check: the excess is shed at once with 503/9001 and {@code Retry-After}, every
 * accepted check completes with its 200, and the queue never exceeds its bound.
 */
@ExtendWith(VertxExtension.class)
class OverloadTest {

  private static final int CONCURRENCY = 4;
  private static final int QUEUE = 20;
  private static final int CALLERS = 240;
  private static final long LINQ_LATENCY_MILLIS = 200;
  /** A shed answer comes at most this much later than the slowest of a burst the HTTP edge rejects itself. */
  private static final long SHED_WITHIN_MILLIS = 200;

  private GatewayHarness gw;
  private WebClient callers;
  private WebClient sampler;

  @AfterEach
  void close() {
    if (callers != null) {
      callers.close();
    }
    if (sampler != null) {
      sampler.close();
    }
    if (gw != null) {
      gw.close();
    }
  }

  record Outcome(String address, int status, Integer code, String retryAfter, String body, long millis) {
  }

  @Test
  @DisplayName("240 callers on 4 in flight + 20 queued: the excess is shed fast with 503/9001 + Retry-After, the rest all get 200, queued never > 20")
  void excessIsShedFastAndAcceptedComplete(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setLatencyMillis(LINQ_LATENCY_MILLIS), new JsonObject()
        .put("LINQ_MAX_CONCURRENCY", CONCURRENCY).put("GATEWAY_MAX_QUEUE", QUEUE));
    callers = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.port())
        .setKeepAlive(false), new PoolOptions().setHttp1MaxSize(CALLERS));
    sampler = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.port()));
    // Warm up connection setup and the code paths, so the measurement is of the gateway, not of class loading.
    await(post("+12025550100"));

    // Baseline: the same burst of requests that the HTTP edge rejects itself (400/1002, no engine, no Linq).
    // On a shared 2-core machine 240 simultaneous connections alone take a few hundred ms; shedding must add
    // nothing noticeable to that, and never wait for the queue to drain.
    List<Future<Long>> edge = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      long start = System.nanoTime();
      edge.add(post("not-an-address").map(response -> {
        assertThat(response.statusCode()).isEqualTo(400);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      }));
    }
    long edgeSlowest = await(Future.all(edge)).<Long>list().stream().mapToLong(Long::longValue).max().orElse(0);

    AtomicInteger maxQueued = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicInteger samples = new AtomicInteger();
    long sampling = vertx.setPeriodic(20, id -> sampler.get("/health").send().onSuccess(health -> {
      for (Object item : health.bodyAsJsonObject().getJsonArray("checks")) {
        JsonObject check = (JsonObject) item;
        if ("engine".equals(check.getString("id"))) {
          JsonObject data = check.getJsonObject("data");
          maxQueued.accumulateAndGet(data.getInteger("queued"), Math::max);
          maxInFlight.accumulateAndGet(data.getInteger("inFlight"), Math::max);
          samples.incrementAndGet();
        }
      }
    }));

    List<Future<Outcome>> calls = new ArrayList<>();
    long burstStart = System.nanoTime();
    for (int i = 0; i < CALLERS; i++) {
      String address = "+1202556" + String.format("%04d", i);
      long start = System.nanoTime();
      calls.add(post(address).map(response -> outcome(address, response, start)));
    }
    long sendLoopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burstStart);
    List<Outcome> outcomes = await(Future.all(calls)).list();
    vertx.cancelTimer(sampling);

    List<Outcome> accepted = outcomes.stream().filter(o -> o.status() == 200).toList();
    List<Outcome> shed = outcomes.stream().filter(o -> o.status() != 200).toList();
    long slowestShed = shed.stream().mapToLong(Outcome::millis).max().orElse(0);
    long fastestShed = shed.stream().mapToLong(Outcome::millis).min().orElse(0);
    long medianShed = shed.stream().map(Outcome::millis).sorted().skip(shed.size() / 2).findFirst().orElse(0L);
    long slowestAccepted = accepted.stream().mapToLong(Outcome::millis).max().orElse(0);
    System.out.printf("overload: %d callers sent in %d ms; edge-rejected burst slowest %d ms; %d accepted (slowest %d ms),"
        + " %d shed (fastest %d ms, median %d ms, slowest %d ms), max queued %d, max in flight %d over %d samples,"
        + " Linq max in flight %d%n", CALLERS, sendLoopMillis, edgeSlowest, accepted.size(), slowestAccepted,
        shed.size(), fastestShed, medianShed, slowestShed,
        maxQueued.get(), maxInFlight.get(), samples.get(), gw.sim().stats().maxInFlight());

    assertThat(shed).as("the excess is shed").isNotEmpty().allSatisfy(o -> {
      assertThat(o.status()).as("%s", o).isEqualTo(503);
      assertThat(o.code()).as("%s", o).isEqualTo(9001);
      assertThat(o.retryAfter()).as("%s: Retry-After", o).isNotNull().matches("[1-9][0-9]*");
      assertThat(o.millis()).as("%s: shed at once (edge burst slowest %d ms)", o, edgeSlowest)
          .isLessThanOrEqualTo(edgeSlowest + SHED_WITHIN_MILLIS);
    });
    assertThat(slowestShed).as("no shed answer waited for the queue to drain").isLessThan(slowestAccepted);
    assertThat(accepted.size()).as("at least what fits in flight and in the queue is accepted")
        .isGreaterThanOrEqualTo(CONCURRENCY + QUEUE);
    assertThat(accepted).allSatisfy(o -> {
      JsonObject body = new JsonObject(o.body());
      assertThat(body.getString("address")).isEqualTo(o.address());
      assertThat(body.getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("iMessage", o.address(), 70));
    });
    assertThat(gw.sim().stats().checkRequests()).as("only accepted checks reach Linq").isEqualTo(accepted.size() + 1);
    assertThat(samples.get()).as("the engine was sampled during the run").isGreaterThan(5);
    assertThat(maxQueued.get()).as("queued never beyond its bound").isLessThanOrEqualTo(QUEUE);
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(CONCURRENCY);
    assertThat(gw.sim().stats().maxInFlight()).as("Linq never saw more than the concurrency").isLessThanOrEqualTo(CONCURRENCY);
    UpstreamFaultsTest.assertDrained(gw);
  }

  private Future<HttpResponse<Buffer>> post(String address) {
    return callers.post(IMESSAGE_ROUTE).putHeader("Authorization", "Bearer " + KEY_A)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("address", address).toBuffer());
  }

  private static Outcome outcome(String address, HttpResponse<Buffer> response, long startNanos) {
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    Integer code = response.statusCode() == 200 ? null : envelopeError(response).getInteger("code");
    return new Outcome(address, response.statusCode(), code, response.getHeader("Retry-After"), response.bodyAsString(),
        millis);
  }
}
